"""Stream health against real publishers: a frame rate that drops, keyframes that
stop, a publisher that leaves. Each turns up in the API, the log (once) and the
metrics. The three publishers run at once against one server, with [health]
thresholds short enough for a quick test."""

import re
import time
import unittest

import harness
from harness import FPS
from api_support import call, wait_until, stream_of

CONFIG = """
[health]
measure_ms = 2000
baseline_ms = 10000
max_keyframe_interval_ms = 3000
recover_ms = 2000
offline_linger_ms = 30000
"""
DROP_AT = 6  # seconds into the publish


def publisher(url, seconds, vf=None, gop=FPS, force_keyframes=False):
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={FPS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={harness.SAMPLE_RATE}", "-t", str(seconds)]
    if vf:
        argv += ["-vf", vf, "-fps_mode", "vfr"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(gop)]
    if force_keyframes:
        argv += ["-force_key_frames", "expr:gte(t,n_forced*1)"]
    return argv + ["-c:a", "aac", "-f", "flv", url]


class HealthTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server(CONFIG)
        s = cls.server
        # 25 fps, then one frame in five from DROP_AT on; keyframes stay once a second.
        cls.slow = cls.spawn_class("publisher fps drop", publisher(
            s.rtmp_url("live/slow"), 30, vf=f"select='lt(t\\,{DROP_AT})+not(mod(n\\,5))'", force_keyframes=True))
        # One keyframe, then none for 40 s.
        cls.nokey = cls.spawn_class("publisher no keyframes", publisher(s.rtmp_url("live/nokey"), 30, gop=1000))
        # Stops after 4 s.
        cls.short = cls.spawn_class("publisher short", publisher(s.rtmp_url("live/short"), 4))
        for stream in ("live/slow", "live/nokey", "live/short"):
            s.wait_for_log(rf": publishing {stream}$", 15)

    def wait_for_state(self, stream, state, timeout=20):
        return wait_until(f"{stream} {state}",
                          lambda: (lambda s: s if s and s["health"]["state"] == state else None)(stream_of(self.server, stream)),
                          timeout)

    def test_lower_frame_rate_degrades(self):
        s = self.wait_for_state("live/slow", "degraded", timeout=DROP_AT + 15)
        self.assertIn("frame rate", s["health"]["reason"])
        self.assertLess(s["health"]["fps"], 0.75 * s["health"]["baseline_fps"], s["health"])
        self.assertAlmostEqual(s["health"]["baseline_fps"], FPS, delta=4)
        line = self.server.wait_for_log(r"live/slow: health: degraded: .*frame rate")[0]
        # Logged once, however many rounds it stays degraded.
        time.sleep(2)
        self.assertEqual(len(self.server.log_lines(r"live/slow: health: degraded")), 1, line)
        metrics = call(self.server, "GET", "/metrics").text
        self.assertIn('relaycast_stream_health{stream="live/slow",health="degraded"} 1', metrics)
        changes = re.search(r'relaycast_health_changes_total\{health="degraded"\} (\d+)', metrics)
        self.assertGreaterEqual(int(changes.group(1)), 1)

    def test_missing_keyframes_degrade(self):
        s = self.wait_for_state("live/nokey", "degraded", timeout=15)
        self.assertIn("no keyframe for", s["health"]["reason"])
        self.assertGreaterEqual(s["health"]["since_keyframe_s"], 3.0)
        self.server.wait_for_log(r"live/nokey: health: degraded: .*no keyframe for")

    def test_publisher_leaving_is_offline(self):
        self.assertEqual(self.short.wait(20), 0, self.short.stderr())
        s = self.wait_for_state("live/short", "offline", timeout=5)
        self.assertFalse(s["live"])
        self.assertEqual(s["health"]["reason"], "the publisher stopped")
        self.server.wait_for_log(r"live/short: health: offline: the publisher stopped")
        metrics = call(self.server, "GET", "/metrics").text
        self.assertIn('relaycast_stream_health{stream="live/short",health="offline"} 1', metrics)
        self.assertNotIn('relaycast_stream_viewers{stream="live/short"', metrics)


if __name__ == "__main__":
    unittest.main()
