"""ffmpeg publishes over RTMP; ffprobe and ffmpeg play it over RTMP."""

import unittest

import harness


class RtmpPlayTest(harness.PlaybackTest):
    PROTOCOL = "rtmp"

    def test_server_logged_every_viewer(self):
        # ffprobe, the recording and the late ffprobe, as they came and went.
        self.assertEqual(len(self.server.log_lines(r": playing live/rtmp-play$")), 3, self.server.log())
        self.assertEqual(len(self.server.log_lines(r": stopped playing live/rtmp-play: ")), 3, self.server.log())
        # The late ffprobe left by itself after reading its two seconds.
        self.assertEqual(len(self.server.log_lines(r": stopped playing live/rtmp-play: the client closed")), 1,
                         self.server.log())

    def test_not_published_stream_is_refused(self):
        viewer = self.spawn("ffprobe", harness.ffprobe_argv(self.server.rtmp_url("live/nothing-here")))
        self.assertNotEqual(viewer.wait(10), 0, "ffprobe played a stream nobody publishes")
        self.server.wait_for_log(r"refused play of live/nothing-here: live/nothing-here is not being published")


if __name__ == "__main__":
    unittest.main()
