"""Join tokens: a new edge in one command. Every node a relaycast process on 127.0.0.1.
- `relaycast nodes join-command` on the origin prints `relaycast join <bundle> &&
  systemctl restart relaycast`; run with --config (the test has no systemd), it writes
  conf.d/join.toml next to that config, and twice changes nothing; the edge started on
  that config registers (GET /api/v1/nodes on the origin lists it) and serves a stream
  published to the origin (ffprobe plays it from the edge);
- the joined edge keeps its node credential: restarted after its join token expired,
  it registers again;
- an edge whose token expired before it first heartbeats, and one with a forged token
  (signed with another secret, as the README's format lets anyone), are refused: not
  listed, and the origin's log says why, once per node and reason;
- a heartbeat with a malformed or edited token gets 401 saying so, even on loopback."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
import tomllib

import api_support as api
from harness import HOST, IntegrationTest, Probe, Server, ffprobe_argv, publisher_argv, relaycast_bin

STREAM = "live/joined"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_join_token(secret, expires, node_id=""):
    """The README's format, signed here: what any system holding a secret can do."""
    signed = f"rcj1.{expires}.{b64url_encode(node_id.encode())}"
    return signed + "." + hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()


def bundle_with_token(bundle, token):
    body = json.loads(b64url_decode(bundle[len("rcjoin1."):]))
    body["token"] = token
    return "rcjoin1." + b64url_encode(json.dumps(body).encode())


class JoinTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        state = os.path.join(cls.workdir.path, "origin-state")
        cls.origin = cls.start_class_server(config=f'[server]\nstate_dir = "{state}"\n[cluster]\nnode_id = "origin"\n')
        cls.origin_api = f"http://{HOST}:{cls.origin.http_port}"
        cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(STREAM), seconds=90))
        cls.origin.wait_for_publish(STREAM)

    def join_command(self, *args):
        status, out, err = api.cli(self.origin_api, "nodes", "join-command", *args)
        self.assertEqual(status, 0, f"join-command: {err}")
        command = out.strip()
        self.assertRegex(command, r"^relaycast join rcjoin1\.[A-Za-z0-9_-]+ && systemctl restart relaycast$")
        return command

    def edge_config(self, name):
        """A fresh machine's config file (its own directory, for its conf.d/) for node `name`."""
        directory = os.path.join(self.workdir.path, name)
        os.makedirs(directory)
        path = os.path.join(directory, "relaycast.toml")
        with open(path, "w") as f:
            f.write(f'[server]\nstate_dir = "{os.path.join(directory, "state")}"\n'
                    f'[cluster]\nnode_id = "{name}"\nheartbeat_ms = 300\n')
        return path

    def run_join(self, command, config):
        """The printed command up to `&&`, with --config: there is no systemd to restart here."""
        join = command.split("&&")[0].split()
        self.assertEqual(join[:2], ["relaycast", "join"])
        done = subprocess.run([relaycast_bin(), *join[1:], "--config", config], capture_output=True, text=True,
                              timeout=15)
        return done.returncode, done.stdout, done.stderr

    def start_edge(self, config):
        edge = Server(self.workdir, config_path=config)
        self._watched.append(edge)
        self.addCleanup(edge.stop)
        return edge.start()

    def nodes(self):
        reply = api.call(self.origin, "GET", "/api/v1/nodes")
        self.assertEqual(reply.status, 200, reply)
        return {n["id"]: n for n in reply.json["nodes"]}

    def wait_listed(self, node):
        api.wait_until(f"{node} active in the origin's registry",
                       lambda: self.nodes().get(node, {}).get("state") == "active", timeout=10)

    def assert_refused(self, node, reason):
        line = self.origin.wait_for_log(rf"heartbeat from node {node} .*refused \({reason}\)", timeout=10)[0]
        time.sleep(1.5)  # several more heartbeats, all refused, none logged again
        self.assertEqual(len(self.origin.log_lines(rf"heartbeat from node {node} ")), 1,
                         "a refusal is logged once per node and reason")
        self.assertNotIn(node, self.nodes())
        return line

    def test_a_joined_edge_registers_and_serves(self):
        command = self.join_command("--ttl", "10m")
        config = self.edge_config("edge-joined")
        status, out, err = self.run_join(command, config)
        self.assertEqual(status, 0, err)
        drop_in = os.path.join(os.path.dirname(config), "conf.d", "join.toml")
        self.assertIn(f"wrote {drop_in}", out)
        with open(drop_in, "rb") as f:
            cluster = tomllib.load(f)["cluster"]
        self.assertEqual(cluster["role"], "edge")
        self.assertEqual(cluster["origins"], [f"rtmp://{HOST}:{self.origin.rtmp_port}"])
        self.assertEqual(cluster["heartbeat_urls"], [f"http://{HOST}:{self.origin.http_port}"])
        self.assertTrue(cluster["join_token"].startswith("rcj1."))
        # Idempotent: cloud-init may run it again on the same machine.
        status, out, err = self.run_join(command, config)
        self.assertEqual(status, 0, err)
        self.assertIn("unchanged", out)

        edge = self.start_edge(config)
        self.wait_listed("edge-joined")
        self.assertEqual(self.nodes()["edge-joined"]["role"], "edge")
        edge.wait_for_log(r"joined through .* as node edge-joined; its node credential is kept in")
        self.origin.wait_for_log(r"node edge-joined .* joined with a join token valid until")

        probe = self.spawn("ffprobe edge", ffprobe_argv(edge.rtmp_url(STREAM), read_seconds=1))
        self.assertEqual(probe.wait(20), 0, probe.stderr())
        played = Probe(probe.stdout_bytes().decode(), "ffprobe from the joined edge")
        self.assertIsNotNone(played.stream("video"), "the edge serves the origin's stream")
        self.assertGreater(len(played.packets_of("video")), 5)

    def test_a_joined_edge_keeps_heartbeating_after_its_token_expired(self):
        command = self.join_command("--ttl", "8s")
        config = self.edge_config("edge-restarted")
        status, _, err = self.run_join(command, config)
        self.assertEqual(status, 0, err)
        signed_at = time.time()
        edge = self.start_edge(config)
        self.wait_listed("edge-restarted")
        edge.wait_for_log(r"its node credential is kept in")
        edge.stop()
        time.sleep(max(1.5, signed_at + 9 - time.time()))
        self.assertEqual(self.run_join(command, config)[0], 1, "join itself refuses an expired token")
        since = self.origin.mark()
        edge = self.start_edge(config)
        edge.wait_for_log(r"heartbeats carry the node credential kept in")
        api.wait_until("edge-restarted heartbeating again",
                       lambda: self.nodes().get("edge-restarted", {}).get("last_seen_ms_ago", 1e9) < 1000, timeout=10)
        self.assertEqual(self.origin.log_lines(r"edge-restarted .*refused")[since:], [])

    def test_an_edge_whose_token_expired_before_it_joined_is_refused(self):
        command = self.join_command("--ttl", "3s")
        signed_at = time.time()
        config = self.edge_config("edge-late")
        status, _, err = self.run_join(command, config)  # in time...
        self.assertEqual(status, 0, err)
        time.sleep(max(0.0, signed_at + 4 - time.time()))  # ...but the machine took long to boot
        edge = self.start_edge(config)
        line = self.assert_refused("edge-late", "expired")
        self.assertIn("expired at", line)
        edge.wait_for_log(r"heartbeat to .* failed: answered 401: the join token expired at")

    def test_an_edge_with_a_forged_token_is_refused(self):
        bundle = self.join_command().split()[2]
        forged = bundle_with_token(bundle, sign_join_token("not this cluster's secret", int(time.time()) + 600))
        config = self.edge_config("edge-forged")
        status, _, err = self.run_join(f"relaycast join {forged}", config)
        self.assertEqual(status, 0, err)  # join cannot tell: it has no secret
        self.start_edge(config)
        line = self.assert_refused("edge-forged", "forged")
        self.assertIn("signature is not valid", line)

    def test_a_heartbeat_with_a_bad_token_gets_401_with_the_reason(self):
        reply = api.call(self.origin, "POST", "/api/v1/nodes/join-tokens", body={"ttl_s": 600, "node_id": "edge-x"})
        self.assertEqual(reply.status, 201, reply)
        token = reply.json["token"]
        report = {"id": "edge-x", "role": "edge", "rtmp_url": "rtmp://127.0.0.1:1", "http_url": "http://127.0.0.1:1"}
        expiry = token.split(".")[1]
        cases = [
            ("malformed", token[:-1]),
            ("forged", token[:-1] + ("0" if token[-1] != "0" else "1")),  # a flipped digit
            ("forged", token.replace(f".{expiry}.", f".{int(expiry) + 3600}.", 1)),  # an edited expiry
        ]
        for reason, bad in cases:
            refused = api.call(self.origin, "POST", "/api/v1/nodes/heartbeat", token=bad, body=report)
            self.assertEqual(refused.status, 401, f"{reason}: {refused}")
            self.assertEqual(refused.json["error"], f"join token {reason}", refused)
        other = api.call(self.origin, "POST", "/api/v1/nodes/heartbeat", token=token, body=dict(report, id="edge-y"))
        self.assertEqual(other.status, 401, other)
        self.assertIn("for node edge-x, not edge-y", other.json["detail"])
        accepted = api.call(self.origin, "POST", "/api/v1/nodes/heartbeat", token=token, body=report)
        self.assertEqual(accepted.status, 200, accepted)
        credential = accepted.json["node_credential"]
        self.assertTrue(credential.startswith("rcn1."))
        again = api.call(self.origin, "POST", "/api/v1/nodes/heartbeat", token=credential, body=report)
        self.assertEqual(again.status, 200, again)
        self.assertNotIn("node_credential", again.json)
        stolen = api.call(self.origin, "POST", "/api/v1/nodes/heartbeat", token=credential, body=dict(report, id="edge-z"))
        self.assertEqual(stolen.status, 401, stolen)


if __name__ == "__main__":
    import unittest
    unittest.main()
