"""An origin and edges, each a relaycast process on 127.0.0.1: ffmpeg publishes to the
origin; ffprobe plays from an edge over RTMP, HTTP-FLV and HLS; an edge of the edge
(a second tier) plays it too; the origin serves one relay connection to the first
edge whatever the number of viewers behind it. The first edge's origin list starts
with a port nothing listens on, a server that answers garbage, one that does not answer
and an origin that does not have the stream: it says why each failed and pulls from the one that has it. A
third edge, with a short idle timeout, lets the stream go once its viewer leaves."""

import re
import time
import unittest

import api_support as api
import cluster_support as cs
import hls_support as hs
from harness import (HEIGHT, WIDTH, FPS, IntegrationTest, Probe, ffprobe_argv, publisher_argv, wait_all)


class EdgeRelay(IntegrationTest):
    SECONDS = 40
    STREAM = "live/edge"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.origin = cls.start_class_server()
        cls.empty_origin = cls.start_class_server()
        cls.garbage = cs.GarbageOrigin()
        cls.addClassCleanup(cls.garbage.close)
        cls.silent = cs.GarbageOrigin(silent=True)
        cls.addClassCleanup(cls.silent.close)
        cls.edge = cls.start_class_server(config=cs.edge_config(
            [cs.closed_port_url(), cls.garbage.url, cls.silent.url, cls.empty_origin, cls.origin],
            idle_timeout_ms=60000, connect_timeout_ms=1000))
        cls.edge2 = cls.start_class_server(config=cs.edge_config([cls.edge], idle_timeout_ms=60000))
        cls.publisher = cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(cls.STREAM),
                                                                    seconds=cls.SECONDS))
        cls.origin.wait_for_publish(cls.STREAM)
        # Three viewers on the first edge at once, by three protocols: one pull.
        cls.viewers = {
            "rtmp": cls.spawn_class("ffprobe rtmp", ffprobe_argv(cls.edge.rtmp_url(cls.STREAM), 3)),
            "http-flv": cls.spawn_class("ffprobe flv", ffprobe_argv(cls.edge.http_url(cls.STREAM), 3)),
        }
        cls.status = wait_all(cls.viewers.values(), time.monotonic() + 20)

    def probe(self, proc, status):
        self.assertEqual(status, 0, f"{proc.name} ended with {status}\n{proc.stderr()[-800:]}")
        return Probe(proc.stdout_bytes().decode(), proc.name)

    def assert_plays(self, probe):
        self.assert_h264_aac(probe)
        self.assertGreater(len(probe.packets_of("video")), FPS, f"{probe.what}: less than a second of video")
        self.assertGreater(len(probe.packets_of("audio")), 20, f"{probe.what}: hardly any audio")
        self.assert_dts_monotonic(probe)
        self.assertTrue(probe.packets_of("video")[0].get("flags", "").startswith("K"),
                        f"{probe.what}: the first video packet is not a keyframe")

    def test_rtmp_from_the_edge(self):
        self.assert_plays(self.probe(self.viewers["rtmp"], self.status[self.viewers["rtmp"]]))

    def test_http_flv_from_the_edge(self):
        self.assert_plays(self.probe(self.viewers["http-flv"], self.status[self.viewers["http-flv"]]))

    def test_hls_from_the_edge(self):
        path = f"/{self.STREAM}/index.m3u8"
        hs.wait_for_playlist(self.edge.http_port, path, lambda p: len(p.segments) >= 2, timeout=15)
        proc = self.spawn("ffprobe hls", ffprobe_argv(f"http://127.0.0.1:{self.edge.http_port}{path}", 3))
        probe = self.probe(proc, proc.wait(20))
        self.assert_h264_aac(probe)
        self.assertGreater(len(probe.packets_of("video")), FPS)

    def test_bad_origins_are_skipped_with_a_reason(self):
        self.edge.wait_for_log(r"pull live/edge: live from 127\.0\.0\.1:%d" % self.origin.rtmp_port)
        log = self.edge.log()
        self.assertRegex(log, r"pull live/edge: 127\.0\.0\.1:\d+: .*(refused|closed)", "the closed port")
        self.assertRegex(log, r"pull live/edge: 127\.0\.0\.1:%d: .*not RTMP" % self.garbage.port, "the garbage")
        self.assertRegex(log, r"pull live/edge: 127\.0\.0\.1:%d: .*no handshake answer in time" % self.silent.port,
                         "the origin that does not answer")
        self.assertRegex(log, r"pull live/edge: 127\.0\.0\.1:%d: .*not being published" % self.empty_origin.rtmp_port,
                         "the origin without the stream")
        self.assertTrue(self.edge.alive())

    def test_origin_serves_one_relay_connection_for_all_edge_viewers(self):
        # Two more viewers on the first edge, and one on the second tier.
        procs = [self.spawn(f"ffprobe {i}", ffprobe_argv(self.edge.rtmp_url(self.STREAM), 2)) for i in range(2)]
        tier = self.spawn("ffprobe tier 2", ffprobe_argv(self.edge2.rtmp_url(self.STREAM), 2))
        for p in procs:
            self.probe(p, p.wait(20))
        self.assert_plays(self.probe(tier, tier.wait(20)))
        plays = self.origin.log_lines(r": playing live/edge$")
        self.assertEqual(len(plays), 1, "the origin should serve one connection, the edge's pull:\n" + "\n".join(plays))
        # And its API says so: one viewer of the stream, the edge.
        clients = api.call(self.origin, "GET", "/api/v1/clients").json["clients"]
        viewers = [c for c in clients if c["role"] == "viewer" and c["stream"] == self.STREAM]
        self.assertEqual(len(viewers), 1, f"the origin's viewers of {self.STREAM}: {viewers}")
        # The second tier pulled from the first edge, which served it from its pull.
        self.assertEqual(len(self.edge.log_lines(r"pull live/edge: live from")), 1, self.edge.log())
        self.edge2.wait_for_log(r"pull live/edge: live from 127\.0\.0\.1:%d" % self.edge.rtmp_port)

    def test_unknown_stream_is_refused_after_asking_every_origin(self):
        # A viewer of the stream the edge has keeps receiving while the edge goes
        # through the bad origins for another one.
        watcher = cs.RecordingPlayer(self.edge.rtmp_port, self.STREAM)
        deadline = time.monotonic() + 10
        while len(watcher.video()) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        proc = self.spawn("ffprobe missing", ffprobe_argv(self.edge.rtmp_url("live/missing")))
        self.assertNotEqual(proc.wait(15), 0, "ffprobe played a stream no origin has")
        refused = time.monotonic()
        self.assertLess(refused - started, 8, "the refusal took longer than the play wait")
        self.edge.wait_for_log(r"pull live/missing: no origin has it")
        self.edge.wait_for_log(r"refused play of live/missing")
        during = [t for t, _ in watcher.video() if started <= t <= refused]
        self.assertTrue(watcher.connected(), f"the other stream's viewer was disconnected: {watcher.ended}")
        self.assertGreater(len(during), 20 * (refused - started) * 0.6,
                           f"the other stream's viewer got {len(during)} frames in {refused - started:.1f} s "
                           "while the edge tried the bad origins")


class IdlePull(IntegrationTest):
    """An edge with a 1 s idle timeout lets the stream go once its only viewer left."""

    def test_idle_pull_stops_after_the_last_viewer(self):
        origin = self.start_server()
        self.spawn("publisher", publisher_argv(origin.rtmp_url("live/idle"), seconds=12))
        origin.wait_for_publish("live/idle")
        edge = self.start_server(config=cs.edge_config([origin], idle_timeout_ms=1000))
        proc = self.spawn("ffprobe idle", ffprobe_argv(edge.rtmp_url("live/idle"), 1))
        self.assertEqual(proc.wait(20), 0, proc.stderr()[-500:])
        left = time.monotonic()
        edge.wait_for_log(r"pull live/idle: no viewers for 1000 ms: stopping", timeout=6)
        edge.wait_for_log(r"pull live/idle: ended: stopped", timeout=3)
        self.assertLess(time.monotonic() - left, 5)
        # The origin sees the edge's relay connection go.
        origin.wait_for_log(r"stopped playing live/idle", timeout=3)
        # A new viewer starts a new pull.
        again = self.spawn("ffprobe again", ffprobe_argv(edge.http_url("live/idle"), 1))
        self.assertEqual(again.wait(20), 0, again.stderr()[-500:])
        self.assertEqual(len(edge.log_lines(r"pull live/idle: live from")), 2, edge.log())


if __name__ == "__main__":
    unittest.main()
