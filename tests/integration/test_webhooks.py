"""Webhooks against a small HTTP receiver in this test (on 127.0.0.1).

The receiver decides on_publish and on_play by what it is sent: a stream named
deny-* or a client with ?who=mallory gets 403, a stream named slow-* is answered
only after the server's webhooks.timeout_ms, everything else 200. on_unpublish is
always answered 200; on_stop fails twice with 503 for each event before answering
200, so that the server's retries show. Real clients drive it: ffmpeg publishes
(refused when denied, and its error names the hook), ffprobe and curl play over
RTMP, HTTP-FLV and HLS; the notify hooks must arrive with the documented bodies.
"""

import http.server
import json
import threading
import time
import unittest
import urllib.request

import harness
from api_support import call
from harness import IntegrationTest, ffprobe_argv, publisher_argv, Probe

TIMEOUT_MS = 700
RETRY_BACKOFF_MS = 200
STOP_FAILURES = 2  # 503s before on_stop is accepted, per event


class Receiver:
    """A threaded HTTP server that records every POST (path, JSON body, arrival)."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.stop_attempts = {}
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                body = json.loads(raw)
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "body": body, "at": time.monotonic(),
                                              "content_type": self.headers.get("Content-Type")})
                status, text = receiver.answer(self.path, body)
                if status is None:
                    return
                data = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the server gave up waiting (the slow answers)

        self.httpd = http.server.ThreadingHTTPServer((harness.HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path, body):
        if path == "/decide":
            if body["name"].startswith("deny") or body["params"].get("who") == "mallory":
                return 403, "banned by the test receiver"
            if body["name"].startswith("slow"):
                time.sleep(TIMEOUT_MS / 1000 * 2.5)
                return 200, "late"
            return 200, "ok"
        if path == "/stop":
            key = (body["stream"], body["client_id"], body["protocol"])
            with self.lock:
                n = self.stop_attempts[key] = self.stop_attempts.get(key, 0) + 1
            return (503, "try again") if n <= STOP_FAILURES else (200, "ok")
        return 200, "ok"

    def url(self, path):
        return f"http://{harness.HOST}:{self.port}{path}"

    def events(self, event, **match):
        with self.lock:
            found = [r for r in self.requests if r["body"]["event"] == event]
        return [r for r in found if all(r["body"].get(k) == v for k, v in match.items())]

    def wait_for(self, event, count=1, timeout=10, **match):
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(event, **match)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                with self.lock:
                    seen = [(r["path"], r["body"]["event"], r["body"].get("stream"), r["body"].get("protocol"))
                            for r in self.requests]
                raise AssertionError(f"{count} {event} {match} expected within {timeout} s, got {len(found)}; "
                                     f"the receiver saw {seen}")
            time.sleep(0.05)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def hooks_config(receiver, policy="deny", hls=""):
    return (f'[webhooks]\non_publish = "{receiver.url("/decide")}"\non_play = "{receiver.url("/decide")}"\n'
            f'on_unpublish = "{receiver.url("/unpublish")}"\non_stop = "{receiver.url("/stop")}"\n'
            f'timeout_ms = {TIMEOUT_MS}\nfailure_policy = "{policy}"\nretries = 3\n'
            f'retry_backoff_ms = {RETRY_BACKOFF_MS}\n{hls}')


def http_get(url, user_agent="webhook-test", timeout=10):
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class WebhooksTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = Receiver()
        cls.addClassCleanup(cls.receiver.close)
        cls.server = cls.start_class_server(hooks_config(cls.receiver))
        # One stream that stays live for the play tests.
        cls.stream = "live/cam"
        cls.publisher = cls.spawn_class("publisher live/cam",
                                        publisher_argv(cls.server.rtmp_url(cls.stream, "who=studio"), seconds=45))
        cls.server.wait_for_publish(cls.stream)

    def refused(self):
        return call(self.server, "GET", "/api/v1/server").json["refused"]

    def assert_client_fields(self, body, event, stream, protocol):
        app, name = stream.split("/")
        self.assertEqual(body["event"], event, body)
        self.assertEqual((body["app"], body["name"], body["stream"]), (app, name, stream), body)
        self.assertEqual(body["protocol"], protocol, body)
        self.assertIsInstance(body["client_id"], int, body)
        self.assertRegex(body["remote_address"], r"^127\.0\.0\.1:\d+$", body)
        self.assertRegex(body["server_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body)
        self.assertTrue(body["server_id"], body)

    def test_start_log_lists_the_hooks(self):
        self.server.wait_for_log(rf"webhooks: on_publish -> {self.receiver.url('/decide')} \(decides; on a timeout "
                                 rf"of {TIMEOUT_MS} ms or a failure: deny\)")
        self.server.wait_for_log(r"webhooks: on_stop -> .* \(notifies; 3 retries\)")

    def test_publish_asks_and_unpublish_tells(self):
        stream = "live/short"
        since = self.server.mark()
        publisher = self.spawn("publisher live/short", publisher_argv(self.server.rtmp_url(stream, "who=alice&x=1"),
                                                                      seconds=2))
        self.server.wait_for_publish(stream, since=since)
        asked = self.receiver.wait_for("on_publish", stream=stream)[0]
        self.assert_client_fields(asked["body"], "on_publish", stream, "rtmp")
        self.assertEqual(asked["content_type"], "application/json")
        self.assertEqual(asked["body"]["query"], "who=alice&x=1")
        self.assertEqual(asked["body"]["params"], {"who": "alice", "x": "1"})
        self.assertEqual(publisher.wait(20), 0, publisher.stderr())
        told = self.receiver.wait_for("on_unpublish", stream=stream)[0]["body"]
        self.assert_client_fields(told, "on_unpublish", stream, "rtmp")
        self.assertEqual(told["client_id"], asked["body"]["client_id"])
        self.assertGreater(told["duration_s"], 1.0, told)
        self.assertTrue(told["reason"], told)

    def test_denied_publish_is_refused_with_the_hooks_answer(self):
        before = self.refused()["webhook_denied"]
        publisher = self.spawn("publisher live/deny-me", publisher_argv(self.server.rtmp_url("live/deny-me"), seconds=5))
        self.assertNotEqual(publisher.wait(20), 0, "ffmpeg published although on_publish answered 403")
        self.assertIn("denied by the on_publish webhook", publisher.stderr())
        self.assertIn("403", publisher.stderr())
        self.server.wait_for_log(r"refused publish of live/deny-me: denied by the on_publish webhook: "
                                 r"http://127\.0\.0\.1:\d+/decide answered 403 Forbidden: banned by the test receiver")
        self.assertGreater(self.refused()["webhook_denied"], before)
        self.assertEqual(self.receiver.events("on_unpublish", stream="live/deny-me"), [])

    def test_hook_timeout_follows_the_deny_policy(self):
        before = self.refused()["webhook_unavailable"]
        started = time.monotonic()
        publisher = self.spawn("publisher live/slow-1", publisher_argv(self.server.rtmp_url("live/slow-1"), seconds=5))
        self.assertNotEqual(publisher.wait(20), 0, "ffmpeg published although on_publish timed out (policy deny)")
        self.server.wait_for_log(rf"refused publish of live/slow-1: the on_publish webhook failed: no answer from "
                                 rf"http://127\.0\.0\.1:\d+/decide within {TIMEOUT_MS} ms")
        self.assertLess(time.monotonic() - started, 15)
        self.assertGreater(self.refused()["webhook_unavailable"], before)

    def test_rtmp_play_denied_then_allowed_and_stop_retried(self):
        before = self.refused()["webhook_denied"]
        denied = self.spawn("ffprobe mallory", ffprobe_argv(self.server.rtmp_url(self.stream, "who=mallory"),
                                                            read_seconds=1))
        self.assertNotEqual(denied.wait(20), 0, "ffprobe played although on_play answered 403")
        self.assertIn("denied by the on_play webhook", denied.stderr())
        self.assertGreater(self.refused()["webhook_denied"], before)

        allowed = self.spawn("ffprobe alice", ffprobe_argv(self.server.rtmp_url(self.stream, "who=alice"),
                                                           read_seconds=1))
        self.assertEqual(allowed.wait(20), 0, allowed.stderr())
        self.assertTrue(Probe(allowed.stdout_bytes().decode(), "ffprobe alice").packets_of("video"))
        asked = self.receiver.wait_for("on_play", stream=self.stream, protocol="rtmp")
        alice = [r["body"] for r in asked if r["body"]["params"].get("who") == "alice"][0]
        self.assert_client_fields(alice, "on_play", self.stream, "rtmp")
        # on_stop: refused twice with 503, so sent three times (backoff 200 ms, then 400 ms).
        stops = self.receiver.wait_for("on_stop", count=STOP_FAILURES + 1, stream=self.stream, protocol="rtmp",
                                       client_id=alice["client_id"])
        self.assert_client_fields(stops[-1]["body"], "on_stop", self.stream, "rtmp")
        self.assertGreater(stops[-1]["body"]["duration_s"], 0.5)
        # Arrival times: a slow connect of one attempt shifts them, hence the margin.
        self.assertGreaterEqual(stops[1]["at"] - stops[0]["at"], RETRY_BACKOFF_MS / 1000 * 0.5)
        self.assertGreaterEqual(stops[2]["at"] - stops[1]["at"], 2 * RETRY_BACKOFF_MS / 1000 * 0.5)
        self.server.wait_for_log(r"webhook on_stop for live/cam \(rtmp client \d+\): attempt 1 of 4 failed: "
                                 r"http://127\.0\.0\.1:\d+/stop answered 503")
        self.assertEqual(len(self.receiver.events("on_stop", client_id=alice["client_id"])), STOP_FAILURES + 1,
                         "no retry after the hook accepted")

    def test_http_flv_play_denied_then_allowed(self):
        base = f"http://{harness.HOST}:{self.server.http_port}/{self.stream}.flv"
        status, body = http_get(base + "?who=mallory")
        self.assertEqual(status, 403)
        self.assertIn(b"denied by the on_play webhook", body)
        out = self.workdir.file("alice", "flv")
        curl = self.spawn("curl alice", harness.curl_argv(base + "?who=alice", out, max_seconds=2))
        curl.wait(15)
        self.assertEqual(curl.stdout_bytes().decode(), "200")
        self.assertTrue(harness.read_flv(out, "HTTP-FLV alice").media(harness.FLV_VIDEO))
        stop = self.receiver.wait_for("on_stop", count=STOP_FAILURES + 1, stream=self.stream, protocol="flv")[-1]
        self.assert_client_fields(stop["body"], "on_stop", self.stream, "flv")

    def test_hls_asks_once_per_viewer_and_stops_when_it_stops_fetching(self):
        base = f"http://{harness.HOST}:{self.server.http_port}/{self.stream}/"
        status, body = http_get(base + "index.m3u8?who=mallory", user_agent="mallory-player")
        self.assertEqual(status, 403)
        self.assertIn(b"denied by the on_play webhook", body)
        # The verdict holds for the session: no second question.
        self.assertEqual(http_get(base + "index.m3u8?who=mallory", user_agent="mallory-player")[0], 403)
        deadline = time.monotonic() + 15
        while True:
            status, playlist = http_get(base + "index.m3u8?who=bob", user_agent="bob-player")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(status, 200, playlist)
        segments = [l for l in playlist.decode().splitlines() if l and not l.startswith("#")]
        for uri in segments[-2:]:
            self.assertEqual(http_get(base + uri, user_agent="bob-player")[0], 200, uri)
        self.assertEqual(http_get(base + "index.m3u8?who=bob", user_agent="bob-player")[0], 200)
        bob = [r for r in self.receiver.events("on_play", protocol="hls") if r["body"]["params"].get("who") == "bob"]
        mallory = [r for r in self.receiver.events("on_play", protocol="hls")
                   if r["body"]["params"].get("who") == "mallory"]
        self.assertEqual((len(bob), len(mallory)), (1, 1), "on_play once per HLS viewer, not per request")
        self.assert_client_fields(bob[0]["body"], "on_play", self.stream, "hls")
        # Bob stops fetching: his session ends after three target durations (6 s).
        stop = self.receiver.wait_for("on_stop", count=STOP_FAILURES + 1, timeout=15, stream=self.stream,
                                      protocol="hls")[-1]["body"]
        self.assertEqual(stop["client_id"], bob[0]["body"]["client_id"])
        self.assertEqual(stop["reason"], "the player stopped fetching the stream")
        self.assertEqual(self.receiver.events("on_stop", protocol="hls", client_id=mallory[0]["body"]["client_id"]),
                         [], "a denied viewer never played")


class WebhooksAllowPolicyTest(IntegrationTest):
    def test_timeout_with_allow_policy_lets_the_publish_in(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        server = self.start_server(hooks_config(receiver, policy="allow"))
        publisher = self.spawn("publisher live/slow-ok", publisher_argv(server.rtmp_url("live/slow-ok"), seconds=2))
        server.wait_for_publish("live/slow-ok")
        server.wait_for_log(r"webhook on_publish for live/slow-ok \(rtmp 127\.0\.0\.1:\d+\): no answer from .* within "
                            rf"{TIMEOUT_MS} ms .*; allowed \(webhooks\.failure_policy = allow\)")
        self.assertEqual(publisher.wait(20), 0, publisher.stderr())

    def test_unreachable_hook_with_allow_policy(self):
        closed = harness.free_ports(1)[0]
        config = (f'[webhooks]\non_play = "http://127.0.0.1:{closed}/play"\nfailure_policy = "allow"\n'
                  f'on_unpublish = "http://127.0.0.1:{closed}/gone"\nretries = 1\nretry_backoff_ms = 100\n')
        server = self.start_server(config)
        publisher = self.spawn("publisher live/x", publisher_argv(server.rtmp_url("live/x"), seconds=2))
        server.wait_for_publish("live/x")
        probe = self.spawn("ffprobe", ffprobe_argv(server.rtmp_url("live/x"), read_seconds=0.5))
        self.assertEqual(probe.wait(20), 0, probe.stderr())
        server.wait_for_log(r"webhook on_play for live/x .*connecting to http://127\.0\.0\.1:\d+/play: "
                            r"Connection refused; allowed")
        self.assertEqual(publisher.wait(20), 0)
        # The notify hook is retried once, then given up, with the reason.
        server.wait_for_log(r"webhook on_unpublish for live/x \(rtmp client \d+\): giving up after 2 attempt\(s\): "
                            r"connecting to .*Connection refused")


class WebhookConfigTest(IntegrationTest):
    def test_https_url_stops_the_server_with_the_reason(self):
        server = harness.Server(self.workdir, '[webhooks]\non_play = "https://hooks.example/play"\n')
        with self.assertRaises(AssertionError):
            server.start(timeout=3)
        self.assertIn("https is not supported for webhooks; use http://", server.proc.stderr())


if __name__ == "__main__":
    unittest.main()
