"""Who may publish: stream keys, and what happens to a second publisher of a live name."""

import re
import time
import unittest

import harness
from harness import publisher_argv, ffprobe_argv, Probe

KEYS = """
[[auth.publish_keys]]
stream = "live/cam"
key = "secret"

[[auth.publish_keys]]
stream = "event/*"
key = "wildcard-secret"
"""


class StreamKeyTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server(KEYS)

    def publishes_of(self, stream):
        return len(self.server.log_lines(rf": publishing {re.escape(stream)}$"))

    def assert_refused(self, stream, query, reason):
        before = self.publishes_of(stream)
        publisher = self.spawn("publisher", publisher_argv(self.server.rtmp_url(stream, query), seconds=5))
        status = publisher.wait(10)
        self.assertNotEqual(status, 0, f"ffmpeg publishing {stream}?{query} was not refused")
        # ffmpeg shows the server's description of the refusal to whoever runs it.
        self.assertIn(reason, publisher.stderr(), "the publisher does not see why it was refused")
        self.server.wait_for_log(rf"refused publish of {re.escape(stream)}: {re.escape(reason)}")
        self.assertEqual(self.publishes_of(stream), before, f"{stream} was published after all")
        # Nothing to watch.
        viewer = self.spawn("ffprobe", ffprobe_argv(self.server.rtmp_url(stream)))
        self.assertNotEqual(viewer.wait(10), 0, "a viewer could play a refused stream")

    def assert_publishes(self, stream, query):
        since = self.server.mark()
        publisher = self.spawn("publisher", publisher_argv(self.server.rtmp_url(stream, query), seconds=3))
        self.server.wait_for_publish(stream, since=since)
        viewer = self.spawn("ffprobe", ffprobe_argv(self.server.rtmp_url(stream), read_seconds=1))
        self.assertEqual(viewer.wait(15), 0, viewer.stderr())
        probe = Probe(viewer.stdout_bytes().decode(), f"ffprobe {stream}")
        self.assert_h264_aac(probe)
        self.assertGreaterEqual(len(probe.packets_of("video")), harness.FPS // 2)
        self.assertEqual(publisher.wait(15), 0, publisher.stderr())

    def test_wrong_key_is_refused_with_the_reason(self):
        self.assert_refused("live/cam", "key=not-the-secret", "wrong stream key for live/cam")

    def test_missing_key_is_refused(self):
        self.assert_refused("live/cam", None, "live/cam needs a stream key (?key=...)")

    def test_key_of_another_stream_is_refused(self):
        self.assert_refused("live/cam", "key=wildcard-secret", "wrong stream key for live/cam")

    def test_stream_without_a_configured_key_is_refused(self):
        self.assert_refused("live/other", "key=secret", "no stream key is configured for live/other")

    def test_right_key_publishes(self):
        self.assert_publishes("live/cam", "key=secret")

    def test_wildcard_key_covers_the_app(self):
        self.assert_publishes("event/hall-1", "key=wildcard-secret")


class SecondPublisherTest(harness.IntegrationTest):
    """By default ([stream] takeover = false) a live name keeps its first publisher."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server()

    def test_second_publisher_is_refused_and_first_keeps_going(self):
        stream = "live/twice"
        first = self.spawn("first publisher", publisher_argv(self.server.rtmp_url(stream), seconds=7))
        self.server.wait_for_publish(stream)
        second = self.spawn("second publisher",
                            publisher_argv(self.server.rtmp_url(stream), seconds=5, size=(320, 240)))
        status = second.wait(10)
        self.assertNotEqual(status, 0, "the second publisher of a live name was accepted")
        self.assertIn("live/twice is already being published", second.stderr())
        self.server.wait_for_log(r"refused publish of live/twice: live/twice is already being published")

        self.assertTrue(first.running(), f"the first publisher stopped: {first.stderr()}")
        self.assertEqual(self.server.log_lines(r"stopped publishing live/twice"), [],
                         "the first publisher was dropped")
        # Viewers still get the first publisher's picture, and all of it.
        viewer = self.spawn("ffprobe", ffprobe_argv(self.server.rtmp_url(stream), read_seconds=2))
        self.assertEqual(viewer.wait(15), 0, viewer.stderr())
        probe = Probe(viewer.stdout_bytes().decode(), "ffprobe after the refusal")
        self.assert_h264_aac(probe, size=(harness.WIDTH, harness.HEIGHT))
        self.assertGreaterEqual(len(probe.packets_of("video")), 2 * harness.FPS - 5)
        self.assert_dts_monotonic(probe)

        self.assertEqual(first.wait(15), 0, first.stderr())
        stopped = self.server.wait_for_log(r"stopped publishing live/twice")
        self.assertIn("the client unpublished", stopped[0])
        self.assertEqual(len(self.server.log_lines(r": publishing live/twice$")), 1)


class TakeoverTest(harness.IntegrationTest):
    """With [stream] takeover = true a second publisher replaces the first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server("[stream]\ntakeover = true\n")

    def test_second_publisher_takes_the_stream_over(self):
        stream = "live/handover"
        first = self.spawn("first publisher", publisher_argv(self.server.rtmp_url(stream), seconds=12))
        self.server.wait_for_publish(stream)
        second = self.spawn("second publisher",
                            publisher_argv(self.server.rtmp_url(stream), seconds=4, size=(320, 240)))
        self.server.wait_for_log(r": publishing live/handover$", count=2)
        # The first publisher is dropped, and its ffmpeg notices and stops.
        self.server.wait_for_log(r"stopped publishing live/handover .*another publisher took the stream over")
        self.assertIsNotNone(first.exited_within(5), "the replaced publisher's ffmpeg is still running")
        self.assertTrue(second.running(), f"the second publisher stopped: {second.stderr()}")
        # New viewers see the second publisher's picture.
        time.sleep(0.5)
        viewer = self.spawn("ffprobe", ffprobe_argv(self.server.rtmp_url(stream), read_seconds=1))
        self.assertEqual(viewer.wait(15), 0, viewer.stderr())
        self.assert_h264_aac(Probe(viewer.stdout_bytes().decode(), "ffprobe after the takeover"), size=(320, 240))
        self.assertEqual(second.wait(15), 0, second.stderr())


if __name__ == "__main__":
    unittest.main()
