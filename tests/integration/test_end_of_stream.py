"""When the publisher goes, every viewer gets a clean end, and the name is free again."""

import re
import signal
import time
import unittest

import harness
from harness import Probe, ffprobe_argv, publisher_argv

END_GRACE = 3  # seconds a player may take to notice the end


class EndOfStreamTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server()

    def start_viewers(self, stream):
        rtmp, http = self.server.rtmp_url(stream), self.server.http_url(stream)
        self.capture = self.workdir.file("curl", "flv")
        viewers = [
            self.spawn("ffprobe rtmp", ffprobe_argv(rtmp)),
            self.spawn("ffmpeg rtmp", harness.ffmpeg_null_argv(rtmp)),
            self.spawn("rtmpdump", harness.rtmpdump_argv(rtmp, self.workdir.file("rtmpdump", "flv"))),
            self.spawn("ffprobe http", ffprobe_argv(http)),
            self.spawn("ffmpeg http", harness.ffmpeg_null_argv(http)),
            self.spawn("curl http", harness.curl_argv(http, self.capture)),
        ]
        self.server.wait_for_log(rf": playing {re.escape(stream)}( over HTTP-FLV)?$", count=len(viewers))
        return viewers

    def assert_all_end_cleanly(self, viewers, since):
        status = harness.wait_all(viewers, since + END_GRACE)
        hung = [v.name for v in viewers if status[v] is None]
        self.assertEqual(hung, [], f"still playing {END_GRACE} s after the publisher went")
        failed = {v.name: (status[v], v.stderr()[-300:]) for v in viewers if status[v] != 0}
        self.assertEqual(failed, {}, "viewers that ended with an error")
        # The HTTP-FLV body is whole: the chunked encoding ended and the FLV with a whole tag.
        flv = harness.read_flv(self.capture, "curl capture")
        self.assertEqual(flv.leftover, 0, "the FLV ends inside a tag")
        self.assertGreater(len(flv.media(harness.FLV_VIDEO)), harness.FPS)

    def assert_name_is_served_again(self, stream):
        since = self.server.mark()
        publisher = self.spawn("new publisher", publisher_argv(self.server.rtmp_url(stream), seconds=3,
                                                               size=(320, 240)))
        self.server.wait_for_publish(stream, since=since)
        viewers = [self.spawn(f"ffprobe {p}", ffprobe_argv(self.server.url(p, stream), read_seconds=1))
                   for p in ("rtmp", "http")]
        for viewer in viewers:
            self.assertEqual(viewer.wait(15), 0, viewer.stderr())
            probe = Probe(viewer.stdout_bytes().decode(), viewer.name)
            self.assert_h264_aac(probe, size=(320, 240))
            self.assertGreaterEqual(len(probe.packets_of("video")), harness.FPS // 2)
        self.assertEqual(publisher.wait(10), 0, publisher.stderr())

    def test_viewers_end_cleanly_when_the_publisher_stops(self):
        stream = "live/ends"
        publisher = self.spawn("publisher", publisher_argv(self.server.rtmp_url(stream), seconds=5))
        self.server.wait_for_publish(stream)
        viewers = self.start_viewers(stream)
        self.assertEqual(publisher.wait(15), 0, publisher.stderr())
        self.assert_all_end_cleanly(viewers, time.monotonic())
        self.server.wait_for_log(r"stopped publishing live/ends .*: the client unpublished")
        self.assert_name_is_served_again(stream)

    def test_viewers_end_cleanly_when_the_publisher_is_killed(self):
        stream = "live/killed"
        publisher = self.spawn("publisher", publisher_argv(self.server.rtmp_url(stream)))
        self.server.wait_for_publish(stream)
        viewers = self.start_viewers(stream)
        time.sleep(2)
        publisher.popen.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        self.assertEqual(publisher.wait(5), -signal.SIGKILL)
        self.assert_all_end_cleanly(viewers, killed)
        self.server.wait_for_log(r"stopped publishing live/killed .*: the client closed the connection")
        self.assert_name_is_served_again(stream)

    def test_server_logs_why_each_viewer_stopped(self):
        # A viewer that leaves as soon as it has the end (ffmpeg, ffprobe) races the
        # server's half-close; more of them give the race more chances to show.
        stream = "live/why"
        publisher = self.spawn("publisher", publisher_argv(self.server.rtmp_url(stream), seconds=5))
        self.server.wait_for_publish(stream)
        rtmp = self.server.rtmp_url(stream)
        viewers = self.start_viewers(stream)
        viewers += [self.spawn(f"ffprobe rtmp {i}", ffprobe_argv(rtmp)) for i in range(6)]
        viewers += [self.spawn(f"ffmpeg rtmp {i}", harness.ffmpeg_null_argv(rtmp)) for i in range(6)]
        self.server.wait_for_log(rf": playing {stream}( over HTTP-FLV)?$", count=len(viewers))
        self.assertEqual(publisher.wait(10), 0, publisher.stderr())
        harness.wait_all(viewers, time.monotonic() + END_GRACE)
        lines = self.server.wait_for_log(r"stopped playing live/why: ", count=len(viewers))
        wrong = [l for l in lines if ": the publisher stopped (" not in l]
        self.assertEqual(wrong, [], "SERVER BUG: viewers that got a clean end of stream are logged with "
                                    "another reason than 'the publisher stopped'")


class ShutdownTest(harness.IntegrationTest):
    def test_sigterm_stops_the_server_with_clients_connected(self):
        server = self.start_server()
        stream = "live/shutdown"
        publisher = self.spawn("publisher", publisher_argv(server.rtmp_url(stream)))
        server.wait_for_publish(stream)
        viewers = [self.spawn("ffmpeg rtmp", harness.ffmpeg_null_argv(server.rtmp_url(stream))),
                   self.spawn("curl http", harness.curl_argv(server.http_url(stream), self.workdir.file("c", "flv")))]
        server.wait_for_log(r": playing live/shutdown", count=2)
        server.proc.popen.send_signal(signal.SIGTERM)
        status = server.proc.exited_within(5)
        self.assertEqual(status, 0, "relaycast did not exit with 0 within 5 s of SIGTERM (None: still running)")
        self.assertTrue(server.log_lines(r"received signal 15, shutting down"))
        # Its clients notice: nobody is left hanging on a dead server.
        status = harness.wait_all([publisher] + viewers, time.monotonic() + 5)
        self.assertEqual([p.name for p in status if status[p] is None], [])


if __name__ == "__main__":
    unittest.main()
