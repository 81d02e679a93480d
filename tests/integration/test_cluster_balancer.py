"""The node registry and the balancer, every node a relaycast process on 127.0.0.1
heartbeating to the origin's embedded registry:
- /play/... answers 302 to the least-loaded edge relative to its capacity (one edge
  carries real RTMP viewers), for HLS, LL-HLS and HTTP-FLV; ffprobe follows it and
  plays; an RTMP player of the balancer app gets NetConnection.Connect.Rejected with
  ex.redirect and plays where it points;
- the origin serves one relay connection per edge per stream, however many viewers
  the edges have (its API's client list);
- a drained edge gets no new viewers while its current viewer keeps playing; a
  kill -9'd edge gets none within 5 s."""

import http.client
import signal
import time
import unittest

import api_support as api
import cluster_support as cs
from harness import HOST, IntegrationTest, Probe, RawRtmp, ffprobe_argv, publisher_argv


def edge_node(origin, node_id, capacity=10, **extra):
    """An edge pulling from `origin` and heartbeating to its registry."""
    return cs.edge_config([origin], idle_timeout_ms=60000) + (
        f'node_id = "{node_id}"\ncapacity = {capacity}\nheartbeat_urls = ["http://{HOST}:{origin.http_port}"]\n' +
        "".join(f"{k} = {v}\n" for k, v in extra.items()))


def origin_node(node_id="origin", capacity=10):
    return f'[cluster]\nnode_id = "{node_id}"\ncapacity = {capacity}\n'


def play_location(server, path):
    """GET `path` without following a redirect: (status, Location)."""
    conn = http.client.HTTPConnection(HOST, server.http_port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("Location")
    finally:
        conn.close()


def nodes_of(origin):
    reply = api.call(origin, "GET", "/api/v1/nodes")
    assert reply.status == 200, reply
    return {n["id"]: n for n in reply.json["nodes"]}


def wait_for_nodes(origin, ids, timeout=10):
    api.wait_until(f"nodes {ids} active in the registry",
                   lambda: all(nodes_of(origin).get(i, {}).get("state") == "active" for i in ids), timeout=timeout)


class ClusterTest(IntegrationTest):
    @classmethod
    def start_cluster(cls, edges):
        cls.origin = cls.start_class_server(config=origin_node())
        cls.edges = {name: cls.start_class_server(config=edge_node(cls.origin, name, **kw)) for name, kw in edges.items()}
        cls.by_url = {f"http://{HOST}:{e.http_port}": name for name, e in cls.edges.items()}
        cls.by_url[f"http://{HOST}:{cls.origin.http_port}"] = "origin"
        wait_for_nodes(cls.origin, list(edges) + ["origin"])

    def chosen(self, path="/play/live/bal.m3u8"):
        status, location = play_location(self.origin, path)
        self.assertEqual(status, 302, f"/play answered {status}")
        base = location[:location.index("/", len("http://"))]
        return self.by_url[base], location[len(base):]


class LeastLoaded(ClusterTest):
    STREAM = "live/bal"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_cluster({"e1": {}, "e2": {}})
        cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(cls.STREAM), seconds=30))
        cls.origin.wait_for_publish(cls.STREAM)
        # Three real viewers on e1: 30 % of its capacity, e2 has none.
        cls.players = [cs.RecordingPlayer(cls.edges["e1"].rtmp_port, cls.STREAM) for _ in range(3)]
        api.wait_until("e1 reporting its 3 viewers", lambda: nodes_of(cls.origin)["e1"]["viewers"] >= 3, timeout=12)
        api.wait_until("e2's heartbeat after that", lambda: nodes_of(cls.origin)["e2"]["last_seen_ms_ago"] < 500)

    def test_play_goes_to_the_least_loaded_edge(self):
        picks = [self.chosen()[0] for _ in range(4)]
        self.assertEqual(picks[0], "e2", f"the first viewer went to {picks[0]}, not the idle edge: {picks}")
        self.assertGreaterEqual(picks.count("e2"), 3, f"viewers were not sent mostly to the idle edge: {picks}")
        self.assertNotIn("origin", picks, "viewers were sent to the origin while edges were up")

    def test_play_urls_map_to_the_node_urls(self):
        self.assertEqual(self.chosen("/play/live/bal.m3u8")[1], "/live/bal/index.m3u8")
        self.assertEqual(self.chosen("/play/live/bal/ll.m3u8")[1], "/live/bal/ll.m3u8")
        self.assertEqual(self.chosen("/play/live/bal.flv?token=t1")[1], "/live/bal.flv?token=t1")
        self.assertEqual(play_location(self.origin, "/play/live/bal.mp4")[0], 404)

    def test_ffprobe_follows_the_redirect_and_plays(self):
        proc = self.spawn("ffprobe /play", ffprobe_argv(f"http://{HOST}:{self.origin.http_port}/play/{self.STREAM}.flv", 2))
        self.assertEqual(proc.wait(20), 0, proc.stderr()[-600:])
        probe = Probe(proc.stdout_bytes().decode(), proc.name)
        self.assert_h264_aac(probe)

    def test_rtmp_balancer_app_redirects(self):
        rtmp = RawRtmp(self.origin.rtmp_port)
        try:
            rtmp.handshake()
            rtmp.command("connect", 1, {"app": "balance/live", "tcUrl": f"rtmp://{HOST}/balance/live"})
            values = rtmp.read_command({"_result", "_error"})
        finally:
            rtmp.close()
        self.assertEqual(values[0], "_error", values)
        info = values[3]
        self.assertEqual(info["code"], "NetConnection.Connect.Rejected")
        self.assertEqual(info["ex"]["code"], 302)
        redirect = info["ex"]["redirect"]
        ports = {f"rtmp://{HOST}:{e.rtmp_port}/live": name for name, e in self.edges.items()}
        self.assertIn(redirect, ports, f"redirected to {redirect}, not to an edge's app")
        # Follow it as a player that reads ex.redirect does: reconnect there and play.
        player = cs.RecordingPlayer(int(redirect.split(":")[2].split("/")[0]), self.STREAM)
        api.wait_until("video from the redirected edge", lambda: len(player.video()) > 10, timeout=10)
        self.origin.wait_for_log(r"redirected to rtmp://127\.0\.0\.1:\d+/live \(balancer app balance\)")

    def test_origin_serves_one_relay_connection_per_edge(self):
        for e in self.edges.values():  # more viewers on both edges, by two protocols
            self.spawn("ffprobe flv", ffprobe_argv(e.http_url(self.STREAM), 2))
        api.wait_until("viewers on e2", lambda: nodes_of(self.origin)["e2"]["viewers"] >= 1, timeout=12)
        clients = api.call(self.origin, "GET", "/api/v1/clients").json["clients"]
        relays = [c for c in clients if c["role"] == "viewer" and c["stream"] == self.STREAM]
        self.assertEqual(len(relays), 2, f"the origin should serve one connection per edge: {relays}")
        stream = api.call(self.origin, "GET", f"/api/v1/streams/{self.STREAM}").json
        self.assertEqual(stream["viewers"]["total"], 2, stream["viewers"])

    def test_nodes_api_and_cli(self):
        nodes = nodes_of(self.origin)
        self.assertEqual(set(nodes), {"origin", "e1", "e2"})
        self.assertEqual(nodes["e1"]["role"], "edge")
        self.assertEqual(nodes["e1"]["capacity"], 10)
        self.assertEqual(nodes["origin"]["streams"], [self.STREAM], "the origin should list the stream it holds")
        status, out, err = api.cli(f"http://{HOST}:{self.origin.http_port}", "nodes", "ls")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"e1\s+edge\s+active\s+\d+/10")
        self.assertIn("registry: embedded", out)


class DrainAndKill(ClusterTest):
    STREAM = "live/drain"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_cluster({"e1": {}, "e2": {}, "e3": {}})
        cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(cls.STREAM), seconds=30))
        cls.origin.wait_for_publish(cls.STREAM)

    def test_drained_edge_gets_no_new_viewers_and_keeps_its_own(self):
        player = cs.RecordingPlayer(self.edges["e1"].rtmp_port, self.STREAM)
        api.wait_until("the viewer on e1 playing", lambda: len(player.video()) > 5, timeout=10)
        status, out, err = api.cli(f"http://{HOST}:{self.origin.http_port}", "nodes", "drain", "e1")
        self.addCleanup(api.call, self.origin, "POST", "/api/v1/nodes/e1/undrain")
        self.assertEqual(status, 0, err)
        self.assertIn("node e1 is draining", out)
        drained_at = time.monotonic()
        picks = [self.chosen()[0] for _ in range(12)]
        self.assertNotIn("e1", picks, f"a drained node got new viewers: {picks}")
        self.assertEqual(nodes_of(self.origin)["e1"]["state"], "draining")
        # Its viewer stays, and keeps receiving.
        time.sleep(2)
        self.assertTrue(player.connected(), f"the drained node's viewer was disconnected: {player.ended}")
        self.assertGreater(len([t for t, _ in player.video() if t > drained_at + 1]), 20, "its video stopped")
        self.assertEqual(api.call(self.origin, "POST", "/api/v1/nodes/nobody/drain").status, 404)

    def test_killed_edge_gets_no_viewers_within_5_seconds(self):
        victim = self.edges["e3"]
        self.assertIn("e3", [self.chosen()[0] for _ in range(6)], "e3 got no viewers even before the kill")
        victim.proc.popen.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        down_after = None
        late = []  # viewers sent to e3 once the registry had it down
        while time.monotonic() - killed < 7:
            if down_after is None and nodes_of(self.origin)["e3"]["state"] == "down":
                down_after = time.monotonic() - killed
            pick = self.chosen()[0]
            if down_after is not None and pick == "e3":
                late.append(time.monotonic() - killed)
            time.sleep(0.1)
        self.assertIsNotNone(down_after, "the killed edge was not marked down within 7 s")
        self.assertLess(down_after, 5.3, f"the killed edge was marked down only {down_after:.1f} s after the kill")
        self.assertEqual(late, [], "viewers were sent to the dead edge after it was marked down")

if __name__ == "__main__":
    unittest.main()
