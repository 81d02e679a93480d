"""The REST API and the CLI against a running server with a live publisher: every
endpoint and its errors, kicking viewers and publishers, run-time keys that survive a
restart, reload (POST and SIGHUP), /metrics through promtool, the OpenAPI document."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

import harness
from harness import publisher_argv, ffmpeg_null_argv, FPS, WIDTH, HEIGHT
from api_support import call, cli, wait_until, stream_of

STREAM = "live/cam"


class ApiTest(harness.IntegrationTest):
    """No api.token: the API answers on loopback, which is where the tests are."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.state_dir = os.path.join(cls.workdir.path, "state")
        cls.config = f'[server]\nstate_dir = "{cls.state_dir}"\n'
        cls.server = cls.start_class_server(cls.config)
        cls.url = f"http://{harness.HOST}:{cls.server.http_port}"
        cls.publisher = cls.spawn_class("publisher", publisher_argv(cls.server.rtmp_url(STREAM), seconds=120))
        cls.server.wait_for_publish(STREAM)
        # The monitor measures once a second; give it a few rounds.
        wait_until("fps measured", lambda: (stream_of(cls.server, STREAM) or {}).get("video", {}).get("fps"), 10)

    def get(self, path, status=200):
        r = call(self.server, "GET", path)
        self.assertEqual(r.status, status, r)
        return r.json

    def assert_error(self, reply, status, detail_part):
        self.assertEqual(reply.status, status, reply)
        self.assertEqual(reply.headers.get("Content-Type"), "application/json", reply)
        self.assertEqual(set(reply.json), {"error", "detail"}, reply)
        self.assertIn(detail_part, reply.json["detail"], reply)

    # --- GET /server, /streams

    def test_server_reports_the_node(self):
        s = self.get("/api/v1/server")
        self.assertEqual(s["role"], "origin")
        self.assertRegex(s["version"], r"^\d+\.\d+\.\d+$")
        self.assertGreater(s["memory_rss_bytes"], 1 << 20)
        self.assertGreater(s["uptime_s"], 0)
        self.assertEqual(s["api_auth"], "loopback")
        self.assertGreaterEqual(s["streams"]["live"], 1)
        # The publisher sends ~100-300 kbit/s of test pattern at least.
        self.assertGreater(s["ingress_bps"], 50_000, s)
        self.assertGreater(s["bytes_in"], 10_000)
        self.assertIn("stream_key", s["refused"])

    def test_stream_shows_codecs_rates_and_publisher(self):
        s = self.get(f"/api/v1/streams/{STREAM}")
        self.assertTrue(s["live"])
        self.assertEqual((s["app"], s["name"]), ("live", "cam"))
        self.assertEqual(s["video"]["codec"], "h264")
        self.assertEqual((s["video"]["width"], s["video"]["height"]), (WIDTH, HEIGHT))
        self.assertAlmostEqual(s["video"]["fps"], FPS, delta=3)
        self.assertAlmostEqual(s["video"]["keyframe_interval_s"], 1.0, delta=0.05)
        self.assertEqual(s["audio"]["codec"], "aac")
        self.assertEqual(s["audio"]["sample_rate"], harness.SAMPLE_RATE)
        self.assertGreater(s["bitrate_bps"], 50_000)
        self.assertEqual(s["publisher"]["protocol"], "rtmp")
        self.assertRegex(s["publisher"]["address"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(s["health"]["state"], "healthy", s["health"])
        self.assertEqual(s["dropped_frames"], 0)
        listed = self.get("/api/v1/streams")["streams"]
        self.assertIn(STREAM, [x["key"] for x in listed])

    def test_unknown_stream_route_and_method_errors(self):
        self.assert_error(call(self.server, "GET", "/api/v1/streams/live/nothing"), 404, "stream live/nothing not found")
        self.assert_error(call(self.server, "DELETE", "/api/v1/streams/live/nothing"), 404, "stream live/nothing not found")
        self.assert_error(call(self.server, "GET", "/api/v1/nothing"), 404, "not an API route")
        r = call(self.server, "PUT", f"/api/v1/streams/{STREAM}")
        self.assert_error(r, 405, "GET, DELETE")
        self.assertEqual(r.headers.get("Allow"), "GET, DELETE")
        self.assert_error(call(self.server, "DELETE", "/api/v1/clients/abc"), 400, "not a client id")
        self.assert_error(call(self.server, "DELETE", "/api/v1/clients/999999"), 404, "client 999999 not found")

    # --- clients: viewers per protocol, kicking

    def test_viewers_are_counted_per_protocol_and_can_be_kicked(self):
        rtmp = self.spawn("rtmp viewer", ffmpeg_null_argv(self.server.rtmp_url(STREAM)))
        flv = self.spawn("flv viewer", ffmpeg_null_argv(self.server.http_url(STREAM)))
        for _ in range(2):  # two fetches, one client (same address and User-Agent)
            r = call(self.server, "GET", f"/{STREAM}/index.m3u8")
            self.assertIn(r.status, (200, 404), r)
        viewers = wait_until(
            "one RTMP and one FLV viewer listed",
            lambda: (lambda v: v if v["rtmp"] >= 1 and v["flv"] >= 1 else None)(self.get(f"/api/v1/streams/{STREAM}")["viewers"]))
        self.assertEqual(viewers["total"], viewers["rtmp"] + viewers["flv"] + viewers["hls"])
        clients = self.get("/api/v1/clients")["clients"]
        ours = [c for c in clients if c["role"] == "viewer" and c["stream"] == STREAM]
        by_output = {c["output"]: c for c in ours}
        self.assertIn("rtmp", by_output, clients)
        self.assertIn("flv", by_output, clients)
        publisher = [c for c in clients if c["role"] == "publisher" and c["stream"] == STREAM]
        self.assertEqual(len(publisher), 1, clients)
        self.assertGreater(publisher[0]["bytes_in"], 10_000)

        # Kick the RTMP viewer: it goes, the FLV one stays.
        victim = by_output["rtmp"]
        since = self.server.mark()
        r = call(self.server, "DELETE", f"/api/v1/clients/{victim['id']}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["kicked"]["id"], victim["id"])
        self.assertIsNotNone(rtmp.exited_within(10), "the kicked RTMP viewer is still playing")
        self.server.wait_for_log(rf"rtmp #{victim['id']} .*stopped playing {STREAM}: kicked through the API", since=since)
        self.assertTrue(flv.running(), "the other viewer went too")
        wait_until("the kicked viewer is no longer listed",
                   lambda: all(c["id"] != victim["id"] for c in self.get("/api/v1/clients")["clients"]))
        self.assertTrue(self.publisher.running())

    def test_hls_viewers_are_estimated_from_recent_requests(self):
        # HLS needs a finished segment first.
        wait_until("HLS playlist", lambda: call(self.server, "GET", f"/{STREAM}/index.m3u8").status == 200, 15)
        import urllib.request
        for agent in ("player-a", "player-b"):
            req = urllib.request.Request(f"{self.url}/{STREAM}/index.m3u8", headers={"User-Agent": agent})
            urllib.request.urlopen(req, timeout=5).read()
        hls = self.get(f"/api/v1/streams/{STREAM}")["viewers"]["hls"]
        self.assertGreaterEqual(hls, 2, "two User-Agents from one address are two viewers")

    def test_kick_publisher(self):
        stream = "live/kickme"
        publisher = self.spawn("publisher to kick", publisher_argv(self.server.rtmp_url(stream), seconds=60))
        since = self.server.mark()
        self.server.wait_for_publish(stream, since=since)
        # As an operator does: see it listed, then kick it.
        self.assertTrue(stream_of(self.server, stream)["live"])
        r = call(self.server, "DELETE", f"/api/v1/streams/{stream}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["kicked"]["role"], "publisher")
        status = publisher.exited_within(10)
        self.assertIsNotNone(status, "the kicked publisher is still sending")
        self.server.wait_for_log(rf"stopped publishing {stream} .*: kicked through the API", since=since)
        s = wait_until("the kicked stream is listed offline",
                       lambda: (lambda s: s if s and s["health"]["state"] == "offline" else None)(stream_of(self.server, stream)))
        self.assertFalse(s["live"])
        self.assertEqual(s["health"]["reason"], "the publisher stopped")
        self.assertIsNotNone(s["ended_at"])

    # --- keys

    def test_keys_add_list_remove_and_errors(self):
        r = call(self.server, "POST", "/api/v1/keys", body={"stream": "event/hall", "key": "hall-secret-1"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json, {"stream": "event/hall", "key": "hall-secret-1", "source": "api",
                                  "created_at": r.json["created_at"]})
        generated = call(self.server, "POST", "/api/v1/keys", body={"stream": "event/*"})
        self.assertEqual(generated.status, 201, generated)
        self.assertRegex(generated.json["key"], r"^[0-9a-f]{32}$")
        keys = self.get("/api/v1/keys")
        self.assertEqual(keys["file"], os.path.join(self.state_dir, "keys.json"))
        self.assertIn({"stream": "event/hall", "key": "hall-secret-1"},
                      [{"stream": k["stream"], "key": k["key"]} for k in keys["keys"]])

        self.assert_error(call(self.server, "POST", "/api/v1/keys", body={"stream": "event/hall", "key": "hall-secret-1"}),
                          409, "already has this key")
        self.assert_error(call(self.server, "POST", "/api/v1/keys", body={"stream": "no-slash"}), 400, "not app/name")
        self.assert_error(call(self.server, "POST", "/api/v1/keys", body={"stream": "a/b", "key": "x y"}), 400, "8 to 256")
        self.assert_error(call(self.server, "POST", "/api/v1/keys", body=b"{not json"), 400, "must be JSON")
        self.assert_error(call(self.server, "DELETE", "/api/v1/keys/event/nothing"), 404, "no key added through the API")

        r = call(self.server, "DELETE", "/api/v1/keys/event/*")
        self.assertEqual(r.json, {"removed": 1, "stream": "event/*"}, r)
        r = call(self.server, "DELETE", "/api/v1/keys/event/hall?key=hall-secret-1")
        self.assertEqual(r.json, {"removed": 1, "stream": "event/hall"}, r)
        self.assertEqual([k for k in self.get("/api/v1/keys")["keys"] if k["stream"].startswith("event/")], [])

    def test_keys_added_through_the_api_survive_a_restart_and_admit_publishers(self):
        state = os.path.join(self.workdir.path, "restart-state")
        config = f'[server]\nstate_dir = "{state}"\n'
        first = self.start_server(config)
        r = call(first, "POST", "/api/v1/keys", body={"stream": "live/keyed", "key": "keyed-secret"})
        self.assertEqual(r.status, 201, r)
        first.stop()
        second = self.start_server(config)
        keys = call(second, "GET", "/api/v1/keys").json["keys"]
        self.assertEqual([(k["stream"], k["key"], k["source"]) for k in keys], [("live/keyed", "keyed-secret", "api")])
        # And they are what publishing checks: with keys configured, others are refused.
        refused = self.spawn("publisher without key", publisher_argv(second.rtmp_url("live/keyed"), seconds=3))
        self.assertNotEqual(refused.wait(15), 0)
        self.assertIn("needs a stream key", refused.stderr())
        since = second.mark()
        ok = self.spawn("publisher with key", publisher_argv(second.rtmp_url("live/keyed", "key=keyed-secret"), seconds=2))
        second.wait_for_publish("live/keyed", since=since)
        self.assertEqual(ok.wait(15), 0, ok.stderr())
        refusals = call(second, "GET", "/api/v1/server").json["refused"]
        self.assertGreaterEqual(refusals["stream_key"], 1, refusals)

    # --- reload

    def test_reload_applies_live_settings_and_names_what_needs_a_restart(self):
        server = self.start_server(self.config)
        path = server.proc.argv[server.proc.argv.index("--config") + 1]
        with open(path, "a") as f:
            # (log_level would stay: the harness's --log-level flag overrides the file, as
            # it did at start.)
            f.write('max_connections = 5000\n[hls]\nsegment_ms = 4000\n'
                    '[[auth.publish_keys]]\nstream = "live/cfg"\nkey = "from-the-file"\n')
        r = call(server, "POST", "/api/v1/reload")
        self.assertEqual(r.status, 200, r)
        self.assertIn("server.max_connections: 10000 -> 5000", r.json["applied"])
        self.assertIn("auth.publish_keys: 0 -> 1 key(s)", r.json["applied"])
        self.assertEqual(r.json["needs_restart"], ["[hls]"])
        server.wait_for_log(r"\[hls\] changed but needs a restart")
        keys = call(server, "GET", "/api/v1/keys").json["keys"]
        self.assertIn(("live/cfg", "config"), [(k["stream"], k["source"]) for k in keys])
        # The CLI says the same.
        status, out, err = cli(f"http://{harness.HOST}:{server.http_port}", "reload")
        self.assertEqual(status, 0, err)
        self.assertIn("needs a restart: [hls]", out)

        # A broken file: nothing applied, the server runs on, the error names the line.
        with open(path, "a") as f:
            f.write("[rtmp]\nport = -5\n")
        r = call(server, "POST", "/api/v1/reload")
        self.assertEqual(r.status, 400, r)
        self.assertIn("rtmp.port", r.json["detail"])
        self.assertTrue(server.alive())

        # SIGHUP does the same as POST /reload.
        with open(path, "w") as f:
            f.write(self.config)
        since = server.mark()
        server.proc.popen.send_signal(signal.SIGHUP)
        server.wait_for_log(r"received SIGHUP", since=since)
        server.wait_for_log(r"applied server.max_connections: 5000 -> 10000", since=since)
        self.assertTrue(server.alive())

    # --- metrics

    def test_metrics_pass_promtool_and_carry_the_stream(self):
        r = call(self.server, "GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("Content-Type").startswith("text/plain; version=0.0.4"), r.headers)
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool (Debian package prometheus) is not installed: scripts/install-deps.sh")
        check = subprocess.run([promtool, "check", "metrics"], input=r.text, capture_output=True, text=True, timeout=20)
        self.assertEqual(check.returncode, 0, f"promtool: {check.stdout}{check.stderr}\n{r.text[:2000]}")
        text = r.text
        for expected in (rf'relaycast_stream_health{{stream="{STREAM}",health="healthy"}} 1',
                         rf'relaycast_stream_viewers{{stream="{STREAM}",protocol="rtmp"}}',
                         rf'relaycast_stream_frames_per_second{{stream="{STREAM}"}}',
                         rf'relaycast_stream_keyframe_interval_seconds{{stream="{STREAM}"}} 1',
                         'relaycast_connections_refused_total{reason="max_connections"} 0',
                         "process_resident_memory_bytes ", "process_cpu_seconds_total ",
                         "relaycast_bytes_received_total ", "relaycast_bytes_sent_total "):
            self.assertIn(expected, text)
        fps = float(re.search(rf'relaycast_stream_frames_per_second{{stream="{STREAM}"}} (\S+)', text).group(1))
        self.assertAlmostEqual(fps, FPS, delta=3)

    # --- OpenAPI

    def test_openapi_document_routes_are_all_answered(self):
        doc = self.get("/api/v1/openapi.json")
        self.assertTrue(doc["openapi"].startswith("3."))
        fill = {"{app}": "live", "{name}": "no-such-stream", "{id}": "999999999"}
        for path, item in doc["paths"].items():
            for method in item:
                if method == "parameters":
                    continue
                concrete = path
                for k, v in fill.items():
                    concrete = concrete.replace(k, v)
                if method == "post" and path == "/api/v1/reload":
                    continue  # answered in test_reload; reloading this server would change nothing anyway
                body = {} if method == "post" else None
                r = call(self.server, method.upper(), concrete, body=body)
                self.assertNotIn(r.status, (405, 501), f"{method.upper()} {concrete}: {r}")
                if r.status == 404:
                    self.assertNotIn("not an API route", r.text, f"{method.upper()} {concrete} is documented, not routed")
        # And what is not documented is not answered.
        for method, path in (("GET", "/api/v1/stream"), ("GET", "/api/v1/streams/live"), ("POST", "/api/v1/streams"),
                             ("GET", "/api/v1/reload"), ("PUT", "/api/v1/keys")):
            r = call(self.server, method, path)
            self.assertIn(r.status, (404, 405), f"{method} {path} is answered but not documented: {r}")

    # --- CLI

    def test_cli_tables_and_json(self):
        status, out, err = cli(self.url, "status")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"relaycast \d+\.\d+\.\d+ \(origin\)")
        self.assertRegex(out, r"streams\s+\d+ live")

        status, out, err = cli(self.url, "streams", "ls")
        self.assertEqual(status, 0, err)
        header, *rows = out.splitlines()
        self.assertEqual(header.split()[:4], ["STREAM", "HEALTH", "VIDEO", "FPS"])
        row = next(r for r in rows if r.startswith(STREAM + " "))
        self.assertIn(f"{WIDTH}x{HEIGHT}", row)
        self.assertIn("healthy", row)

        status, out, err = cli(self.url, "streams", "ls", "--json")
        self.assertEqual(status, 0, err)
        self.assertIn(STREAM, [s["key"] for s in json.loads(out)["streams"]])

        status, out, err = cli(self.url, "streams", "show", STREAM)
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"video\s+H\.264 .*640x360")
        self.assertRegex(out, r"keyframes\s+every 1\.00 s")

        status, out, err = cli(self.url, "clients", "ls")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, rf"\d+\s+rtmp\s+publisher\s+{STREAM}\s+127\.0\.0\.1:\d+")

        status, out, err = cli(self.url, "keys", "add", "live/cli", "--key", "cli-secret-1")
        self.assertEqual(status, 0, err)
        self.assertIn("added a key for live/cli: cli-secret-1", out)
        status, out, err = cli(self.url, "keys", "ls", "--json")
        self.assertIn({"stream": "live/cli", "key": "cli-secret-1"},
                      [{"stream": k["stream"], "key": k["key"]} for k in json.loads(out)["keys"]])
        status, out, err = cli(self.url, "keys", "rm", "live/cli")
        self.assertEqual((status, out.strip()), (0, "removed 1 key(s) of live/cli"), err)

    def test_cli_errors_name_the_cause(self):
        status, out, err = cli(self.url, "streams", "show", "live/x")
        self.assertEqual(status, 1)
        self.assertIn("stream live/x not found", err)
        status, out, err = cli(self.url, "clients", "kick", "999999")
        self.assertEqual(status, 1)
        self.assertIn("client 999999 not found", err)
        closed = harness.free_ports(1)[0]
        status, out, err = cli(f"http://{harness.HOST}:{closed}", "status")
        self.assertEqual(status, 3)
        self.assertRegex(err.lower(), rf"server not reachable at http://127\.0\.0\.1:{closed}: connection refused")
        # The address can come from the environment too.
        status, out, err = cli(None, "status", env={"RELAYCAST_SERVER": self.url})
        self.assertEqual(status, 0, err)


if __name__ == "__main__":
    unittest.main()
