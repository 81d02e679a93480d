"""What a broken or hostile HTTP client sends: each gets an error status or is closed,
and the server goes on serving normal publishers and players."""

import re
import socket
import time
import unittest

import harness
from harness import http_exchange

MAX_HEADER = 4096
HEADER_TIMEOUT = 1.0
CONFIG = f"""
[http]
max_header_bytes = {MAX_HEADER}
header_timeout_ms = {int(HEADER_TIMEOUT * 1000)}
"""


def get(target, extra=b""):
    return b"GET " + target + b" HTTP/1.1\r\nHost: relaycast\r\n" + extra + b"Connection: close\r\n\r\n"


class BadHttpInputTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server(CONFIG)
        # A live stream, so that a path that resolved to it would be served.
        cls.publisher = cls.spawn_class("publisher", harness.publisher_argv(cls.server.rtmp_url("live/cam")))
        cls.server.wait_for_publish("live/cam")

    def test_request_head_over_the_limit_gets_431(self):
        since = self.server.mark()
        status, head, _ = http_exchange(self.server.http_port, get(b"/live/cam.flv", b"X-Pad: " + b"a" * 8000 + b"\r\n"))
        self.assertEqual(status, 431, head)
        self.server.wait_for_log(r"refused request: .*http\.max_header_bytes = 4096", since=since)
        # Under the limit the same request is served.
        status, head, body = http_exchange_briefly(self.server.http_port,
                                                   get(b"/live/cam.flv", b"X-Pad: " + b"a" * 2000 + b"\r\n"))
        self.assertEqual(status, 200, head)
        self.assertTrue(body.startswith(b"d\r\nFLV"), body[:20])
        self.assert_serves_normally(self.server, "live/after-big-head")

    def test_dot_dot_paths_are_never_files(self):
        targets = [b"/../../../../etc/passwd", b"/live/../../../../etc/passwd", b"/live/../../../../etc/passwd.flv",
                   b"/live/..%2f..%2f..%2f..%2fetc%2fpasswd.flv", b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                   b"/live/cam.flv/../../../../etc/passwd", b"/live/...flv", b"/../live/cam.flv",
                   b"/live/../live/cam.flv", b"../../etc/passwd", b"/live/%2e%2e/cam.flv"]
        for target in targets:
            with self.subTest(target=target):
                status, head, body = http_exchange_briefly(self.server.http_port, get(target))
                self.assertIn(status, (400, 404), head)
                self.assertNotIn(b"root:", body)
                self.assertNotIn(b"FLV", body[:32])
        self.assert_serves_normally(self.server, "live/after-dot-dot")

    def test_garbage_is_answered_400_or_closed(self):
        status, head, _ = http_exchange(self.server.http_port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
                                        + bytes(range(256)) + b"\r\n\r\n")
        self.assertIn(status, (400, None), head)
        self.assert_serves_normally(self.server, "live/after-http-garbage")

    def test_unfinished_request_head_is_closed_after_the_timeout(self):
        with socket.create_connection((harness.HOST, self.server.http_port), timeout=5) as s:
            start = time.monotonic()
            s.sendall(b"GET /live/cam.flv HTTP/1.1\r\nHost: relaycast\r\n")
            data = s.recv(4096)
            after = time.monotonic() - start
        self.assertEqual(data, b"", "the server answered a request it never got whole")
        self.assertGreaterEqual(after, HEADER_TIMEOUT - 0.1, "closed before the header timeout")
        self.assertLessEqual(after, HEADER_TIMEOUT + 1.5, "closed long after the header timeout")
        self.assert_serves_normally(self.server, "live/after-slow-head")


def http_exchange_briefly(port, request, seconds=0.5):
    """For a request that may be answered with a live stream: what came in `seconds`."""
    with socket.create_connection((harness.HOST, port), timeout=5) as s:
        s.sendall(request)
        s.settimeout(0.2)
        data, deadline = b"", time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else None), head.decode("latin-1"), body


if __name__ == "__main__":
    unittest.main()
