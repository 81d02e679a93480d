"""One publisher, 50 viewers at once (25 curl over HTTP-FLV, 25 rtmpdump over RTMP):
every one of them gets the whole stream."""

import time
import unittest

import harness

VIEWERS_PER_PROTOCOL = 25
SECONDS = 8


class FanoutTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server()
        cls.stream = "live/fanout"
        cls.publisher = cls.spawn_class(
            "publisher", harness.publisher_argv(cls.server.rtmp_url(cls.stream), seconds=SECONDS))
        cls.server.wait_for_publish(cls.stream)
        cls.viewers = []
        for i in range(VIEWERS_PER_PROTOCOL):
            out = cls.workdir.file(f"curl-{i}", "flv")
            argv = harness.curl_argv(cls.server.http_url(cls.stream), out, max_seconds=SECONDS + 20)
            cls.viewers.append((cls.spawn_class(f"curl {i}", argv), out))
            out = cls.workdir.file(f"rtmpdump-{i}", "flv")
            argv = harness.rtmpdump_argv(cls.server.rtmp_url(cls.stream), out)
            cls.viewers.append((cls.spawn_class(f"rtmpdump {i}", argv), out))
        cls.publisher_status = cls.publisher.exited_within(SECONDS + 15)
        cls.status = harness.wait_all([v for v, _ in cls.viewers], time.monotonic() + 5)

    def test_publisher_ran_to_its_end(self):
        self.assertEqual(self.publisher_status, 0, self.publisher.stderr())

    def test_server_counted_every_viewer(self):
        self.assertEqual(len(self.server.log_lines(r": playing live/fanout( over HTTP-FLV)?$")), 2 * VIEWERS_PER_PROTOCOL)
        stopped = self.server.log_lines(r": stopped playing live/fanout: ")
        self.assertEqual(len(stopped), 2 * VIEWERS_PER_PROTOCOL, self.server.log())
        dropping = [l for l in stopped if "(0 frames dropped" not in l]
        self.assertEqual(dropping, [], "viewers on loopback that lost frames")

    def test_every_viewer_ended_cleanly(self):
        bad = {v.name: (self.status[v], v.stderr()[-200:]) for v, _ in self.viewers if self.status[v] != 0}
        self.assertEqual(bad, {}, "viewers still running 5 s after the stream ended (None) or failing")

    def test_every_viewer_got_the_whole_stream_as_flv(self):
        # Each one joined within the first seconds, at a keyframe, and got everything
        # from there to the end.
        for viewer, out in self.viewers:
            with self.subTest(viewer=viewer.name):
                flv = harness.read_flv(out, viewer.name)
                self.assertEqual(flv.leftover, 0, f"{viewer.name}: the FLV ends inside a tag")
                self.assert_flv_stream(flv, start_at_most=harness.EARLY_JOIN, end_seconds=SECONDS)

    def test_viewers_got_the_same_media(self):
        # The bytes are built once and shared: every viewer that starts at the same
        # keyframe gets the same frames.
        by_start = {}
        for viewer, out in self.viewers:
            frames = harness.read_flv(out, viewer.name).media(harness.FLV_VIDEO)
            if frames:
                by_start.setdefault(frames[0].timestamp, []).append((viewer.name, frames))
        self.assertTrue(by_start)
        for start, group in by_start.items():
            name0, frames0 = group[0]
            for name, frames in group[1:]:
                self.assertEqual([f.data for f in frames], [f.data for f in frames0],
                                 f"{name} and {name0} both started at {start} ms but got different video")


if __name__ == "__main__":
    unittest.main()
