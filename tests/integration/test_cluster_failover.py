"""Failover: the stream is published to two origins (two encoders, on two timelines);
an edge pulls it from the first. kill -9 of that origin while viewers watch the edge:
they stay connected, frames keep coming after a gap under 3 s with timestamps that
never go back, and the edge's HLS playlist marks the switch with EXT-X-DISCONTINUITY."""

import time
import unittest

import cluster_support as cs
import hls_support as hs
from harness import IntegrationTest, Probe, ffprobe_argv, publisher_argv


class OriginFailover(IntegrationTest):
    STREAM = "live/failover"
    WATCH_BEFORE = 4  # seconds of viewing before the kill
    WATCH_AFTER = 6   # and after

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls.start_class_server()
        cls.second = cls.start_class_server()
        cls.edge = cls.start_class_server(config=cs.edge_config([cls.first, cls.second], stall_timeout_ms=2000,
                                                                idle_timeout_ms=60000))
        seconds = 5 + cls.WATCH_BEFORE + cls.WATCH_AFTER + 8
        # The second origin's encoder starts earlier: its timestamps run ahead, so the
        # edge has to re-base them at the switch.
        cls.publishers = [cls.spawn_class("publisher 2", publisher_argv(cls.second.rtmp_url(cls.STREAM),
                                                                        seconds=seconds + 3))]
        cls.second.wait_for_publish(cls.STREAM)
        time.sleep(2.5)
        cls.publishers.append(cls.spawn_class("publisher 1", publisher_argv(cls.first.rtmp_url(cls.STREAM),
                                                                            seconds=seconds)))
        cls.first.wait_for_publish(cls.STREAM)

        cls.player = cs.RecordingPlayer(cls.edge.rtmp_port, cls.STREAM)
        cls.flv_viewer = cls.spawn_class("ffprobe flv", ffprobe_argv(cls.edge.http_url(cls.STREAM)))
        hs.wait_for_playlist(cls.edge.http_port, f"/{cls.STREAM}/index.m3u8", lambda p: len(p.segments) >= 1,
                             timeout=12)
        time.sleep(cls.WATCH_BEFORE)
        cls.killed_at = time.monotonic()
        cls.first.proc.popen.kill()  # SIGKILL: no goodbye to the edge
        cls.first.proc.popen.wait(5)
        time.sleep(cls.WATCH_AFTER)
        cls.playlist, _ = hs.get_playlist(cls.edge.http_port, f"/{cls.STREAM}/index.m3u8")
        cls.player_connected = cls.player.connected()
        cls.flv_running = cls.flv_viewer.running()

    def test_viewers_stay_connected(self):
        self.assertTrue(self.player_connected, f"the RTMP viewer was disconnected: {self.player.ended}")
        self.assertTrue(self.flv_running, f"the HTTP-FLV viewer ended\n{self.flv_viewer.stderr()[-500:]}")
        self.assertNotIn("NetStream.Play.Stop", self.player.status)

    def test_frames_keep_coming_after_a_short_gap(self):
        video = self.player.video()
        before = [t for t, _ in video if t < self.killed_at]
        after = [t for t, _ in video if t >= self.killed_at]
        self.assertGreater(len(before), 25, "hardly any video before the kill")
        self.assertGreater(len(after), 25 * (self.WATCH_AFTER - 3), "hardly any video after the kill")
        gap = after[0] - before[-1]
        self.assertLess(gap, 3.0, f"no video for {gap:.2f} s around the failover")
        # And it kept flowing to the end of the watch, not just a burst.
        self.assertGreater(after[-1], self.killed_at + self.WATCH_AFTER - 1.5, "video stopped after the switch")

    def test_timestamps_never_go_back(self):
        for kind, frames in (("video", self.player.video()), ("audio", self.player.audio())):
            ts = [t for _, t in frames]
            back = [(i, a, b) for i, (a, b) in enumerate(zip(ts, ts[1:])) if b < a]
            self.assertEqual(back, [], f"{kind} timestamps go back at (index, from, to)")

    def test_edge_logged_the_failover(self):
        self.edge.wait_for_log(r"pull live/failover: lost 127\.0\.0\.1:%d: .*; trying 127\.0\.0\.1:%d" %
                               (self.first.rtmp_port, self.second.rtmp_port))
        self.edge.wait_for_log(r"pull live/failover: continuing from 127\.0\.0\.1:%d on a new timeline" %
                               self.second.rtmp_port)

    def test_hls_playlist_marks_the_switch(self):
        self.assertIn("#EXT-X-DISCONTINUITY", self.playlist.text,
                      f"no discontinuity in the edge's playlist after the failover:\n{self.playlist}")


if __name__ == "__main__":
    unittest.main()
