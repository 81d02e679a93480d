"""Two origins share a registry through a real redis-server started here (skipped, with
the reason, only when redis-server is not installed): each lists the other's nodes;
an edge with no origin list of its own asks the registry where a stream is and pulls
it from whichever origin has it. When Redis goes away, the origins say so (log and
API), keep running and keep answering; when it is back, they share again."""

import http.client
import shutil
import subprocess
import time
import unittest

import api_support as api
from harness import HOST, IntegrationTest, Probe, ffprobe_argv, free_ports, publisher_argv

REDIS = shutil.which("redis-server")


def registry_config(redis_port, node_id, role="origin"):
    return (f'[cluster]\nrole = "{role}"\nnode_id = "{node_id}"\nregistry = "redis://{HOST}:{redis_port}"\n'
            f"capacity = 10\n" + ("idle_timeout_ms = 60000\n" if role == "edge" else ""))


def redis_argv(port):
    """A throwaway redis-server on loopback that writes nothing to disk."""
    return [REDIS, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]


def nodes(server):
    return api.call(server, "GET", "/api/v1/nodes").json


@unittest.skipUnless(REDIS, "redis-server is not installed (scripts/install-deps.sh installs it)")
class SharedRegistry(IntegrationTest):
    STREAM = "live/shared"

    @classmethod
    def start_redis(cls):
        cls.redis_port = free_ports(1)[0]
        cls.redis = cls.spawn_class("redis-server", redis_argv(cls.redis_port))
        deadline = time.monotonic() + 5
        while subprocess.run(["redis-cli", "-p", str(cls.redis_port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not answer on port {cls.redis_port}\n{cls.redis.stderr()}")
            time.sleep(0.05)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_redis()
        cls.o1 = cls.start_class_server(config=registry_config(cls.redis_port, "o1"))
        cls.o2 = cls.start_class_server(config=registry_config(cls.redis_port, "o2"))
        # No origins listed: only the registry knows where streams are.
        cls.edge = cls.start_class_server(config=registry_config(cls.redis_port, "edge", role="edge"))
        cls.spawn_class("publisher", publisher_argv(cls.o2.rtmp_url(cls.STREAM), seconds=25))
        cls.o2.wait_for_publish(cls.STREAM)

    def test_1_origins_see_each_others_nodes(self):
        def all_seen():
            listed = {n["id"]: n for n in nodes(self.o1)["nodes"]}
            return (set(listed) == {"o1", "o2", "edge"} and all(n["state"] == "active" for n in listed.values())
                    and listed["o2"]["streams"] and listed)
        listed = api.wait_until("o1 listing o2 and the edge through Redis", all_seen, timeout=8)
        self.assertEqual(listed["o2"]["streams"], [self.STREAM], "o1 should see which stream o2 holds")
        self.assertEqual(nodes(self.o1)["streams"], {self.STREAM: f"rtmp://{HOST}:{self.o2.rtmp_port}"})
        self.assertEqual(nodes(self.o1)["registry"]["kind"], f"redis://{HOST}:{self.redis_port}")
        self.assertIsNone(nodes(self.o1)["registry"]["problem"])

    def test_2_edge_pulls_from_the_origin_that_has_the_stream(self):
        api.wait_until("the edge seeing o2's stream",
                       lambda: any(n["id"] == "o2" and n["streams"] for n in nodes(self.o1)["nodes"]), timeout=8)
        time.sleep(0.5)  # the edge's own copy of the registry is refreshed every 0.3 s
        proc = self.spawn("ffprobe edge", ffprobe_argv(self.edge.rtmp_url(self.STREAM), 2))
        self.assertEqual(proc.wait(20), 0, proc.stderr()[-600:] + self.edge.log()[-2000:])
        self.assert_h264_aac(Probe(proc.stdout_bytes().decode(), proc.name))
        self.edge.wait_for_log(r"pull live/shared: the registry says 127\.0\.0\.1:%d holds it" % self.o2.rtmp_port)
        self.edge.wait_for_log(r"pull live/shared: live from 127\.0\.0\.1:%d" % self.o2.rtmp_port)

    def test_2_forgotten_drains_are_dropped_live_ones_kept(self):
        # "ghost": a drain mark whose node entry is gone (a forget whose SREM failed).
        # Left there, a node later launched under that id would be born drained.
        redis = ["redis-cli", "-p", str(self.redis_port)]
        subprocess.run(redis + ["SADD", "relaycast:drained", "ghost"], check=True, capture_output=True)
        self.assertEqual(api.call(self.o1, "POST", "/api/v1/nodes/edge/drain").status, 200)
        try:
            api.wait_until("the ghost's drain mark dropped", lambda: subprocess.run(
                redis + ["SISMEMBER", "relaycast:drained", "ghost"], capture_output=True, text=True).stdout.strip() == "0",
                timeout=5)
            # Whichever node synced first dropped it, and said so.
            self.assertTrue(any(s.log_lines(r"registry .*: ghost is marked drained but has no entry; dropping the mark")
                                for s in (self.o1, self.o2, self.edge)))
            api.wait_until("o2 seeing the edge drained through Redis",
                           lambda: {n["id"]: n for n in nodes(self.o2)["nodes"]}["edge"]["drained"], timeout=5)
        finally:
            api.call(self.o1, "POST", "/api/v1/nodes/edge/undrain")
        api.wait_until("the undrain written to Redis", lambda: subprocess.run(
            redis + ["SMEMBERS", "relaycast:drained"], capture_output=True, text=True).stdout.strip() == "", timeout=5)

    def test_3_redis_down_is_degraded_not_a_crash(self):
        self.redis.popen.kill()
        self.redis.popen.wait(5)
        self.o1.wait_for_log(r"error registry redis://127\.0\.0\.1:%d: .*; working on this origin's own view "
                             r"\(degraded" % self.redis_port, timeout=5)
        reply = api.wait_until("o1 reporting the problem",
                               lambda: nodes(self.o1)["registry"]["problem"], timeout=5)
        self.assertIn("Redis", reply)
        self.assertTrue(self.o1.alive() and self.o2.alive() and self.edge.alive())
        # It still answers with what it knows itself.
        self.assertIn("o1", [n["id"] for n in nodes(self.o1)["nodes"]])
        status, _ = self.play_status()
        self.assertIn(status, (302, 503))
        # Back: shared again.
        self.spawn("redis-server again", redis_argv(self.redis_port))
        self.o1.wait_for_log(r"Redis reachable again", timeout=5)

    def play_status(self):
        conn = http.client.HTTPConnection(HOST, self.o1.http_port, timeout=5)
        conn.request("GET", f"/play/{self.STREAM}.m3u8")
        r = conn.getresponse()
        r.read()
        conn.close()
        return r.status, r.getheader("Location")


if __name__ == "__main__":
    unittest.main()
