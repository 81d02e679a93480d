"""What a broken or hostile RTMP client sends: each is turned away (or smoothed over),
said so in the log, and the server goes on serving normal publishers and players."""

import re
import socket
import time
import unittest

import harness
from harness import FLV_AUDIO, FLV_VIDEO, RawRtmp

HANDSHAKE_TIMEOUT = 1.0
MAX_MESSAGE = 262144
CONFIG = f"""
[rtmp]
handshake_timeout_ms = {int(HANDSHAKE_TIMEOUT * 1000)}
max_message_size = {MAX_MESSAGE}
"""
# The watchdog looks every 500 ms; leave room for a loaded machine.
CLOSE_SLACK = 1.5


class BadRtmpInputTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server(CONFIG)
        cls.sample_flv = harness.sample_flv(cls.workdir, seconds=3)
        cls.sample = cls.sample_flv.tags

    def raw(self):
        client = RawRtmp(self.server.rtmp_port)
        self.addCleanup(client.close)
        return client

    def lines_about(self, client):
        return self.server.log_lines(rf" {harness.HOST}:{client.local_port}: ")

    def assert_closed_with_one_log_line(self, client, *expected):
        """The server hangs up on the client at once and says why, once, naming it."""
        closed = client.wait_closed(2)
        self.assertIsNotNone(closed, "the server kept the connection open")
        self.server.wait_for_log(rf" {harness.HOST}:{client.local_port}: ")
        time.sleep(0.2)
        lines = self.lines_about(client)
        self.assertEqual(len(lines), 1, f"log lines about the client: {lines}")
        for text in expected:
            self.assertIn(text, lines[0])

    def test_garbage_is_closed_with_one_log_line(self):
        client = self.raw()
        client.sock.sendall(b"GET /live/x HTTP/1.1\r\nHost: example\r\n\r\n" + bytes(range(256)) * 16)
        self.assert_closed_with_one_log_line(client, "handshake failed", "not RTMP")
        self.assert_serves_normally(self.server, "live/after-garbage")

    def test_unsupported_rtmp_version_is_closed(self):
        client = self.raw()
        client.sock.sendall(b"\x06" + bytes(1536))  # RTMPE
        self.assert_closed_with_one_log_line(client, "handshake failed", "RTMP version 6")
        self.assert_serves_normally(self.server, "live/after-rtmpe")

    def test_unfinished_handshakes_are_closed_after_the_timeout(self):
        silent, partial, no_c2 = self.raw(), self.raw(), self.raw()
        start = time.monotonic()
        partial.sock.sendall(b"\x03" + bytes(700))
        no_c2.sock.sendall(b"\x03" + bytes(1536))
        no_c2.recv_exactly(1 + 2 * 1536)
        for name, client in (("silent", silent), ("C0 and half of C1", partial), ("no C2", no_c2)):
            with self.subTest(client=name):
                closed = client.wait_closed(start + HANDSHAKE_TIMEOUT + CLOSE_SLACK + 1 - time.monotonic())
                self.assertIsNotNone(closed, f"{name}: still open {HANDSHAKE_TIMEOUT + CLOSE_SLACK + 1} s later")
                after = time.monotonic() - start
                self.assertGreaterEqual(after, HANDSHAKE_TIMEOUT - 0.1, f"{name}: closed before the timeout")
                self.assertLessEqual(after, HANDSHAKE_TIMEOUT + CLOSE_SLACK, f"{name}: closed late")
        self.assert_serves_normally(self.server, "live/after-slow-handshake")

    def test_chunk_size_of_zero_is_closed(self):
        client = self.raw()
        client.handshake()
        client.set_chunk_size(0, apply=False)
        self.assert_closed_with_one_log_line(client, "Set Chunk Size of 0")
        self.assert_serves_normally(self.server, "live/after-chunk-0")

    def test_chunk_size_over_16_mib_is_closed(self):
        # At the limit it is fine...
        client = self.raw()
        client.handshake()
        client.set_chunk_size(16 * 1024 * 1024)
        self.assertEqual(client.connect()[0], "_result")
        # ...one byte over is not.
        client = self.raw()
        client.handshake()
        client.set_chunk_size(16 * 1024 * 1024 + 1, apply=False)
        self.assert_closed_with_one_log_line(client, "Set Chunk Size of 16777217 is over the limit of 16777216")
        self.assert_serves_normally(self.server, "live/after-chunk-16m")

    def test_message_over_max_message_size_is_closed(self):
        client = self.raw()
        client.handshake()
        client.connect()
        # Only the header: the length alone must be enough to refuse it.
        client.sock.sendall(RawRtmp.chunk_header(3, 0, MAX_MESSAGE + 1, 20, 0) + bytes(128))
        self.assert_closed_with_one_log_line(
            client, f"message of {MAX_MESSAGE + 1} bytes is over the limit of {MAX_MESSAGE}")
        self.assert_serves_normally(self.server, "live/after-big-message")

    def test_unknown_command_is_refused_or_answered(self):
        client = self.raw()
        client.handshake()
        client.connect()
        client.command("makeCoffee", 7, None, "strong")
        # Either an _error for that transaction, or the connection closed; not silence.
        client.sock.settimeout(2)
        try:
            answer = client.read_command({"_error", "_result"})
            self.assertEqual(answer[:2], ["_error", 7.0], f"answer to an unknown command: {answer}")
        except ConnectionError:
            pass  # closed
        except socket.timeout:
            self.fail("the server neither answered the unknown command nor closed the connection")
        self.server.wait_for_log(rf" {harness.HOST}:{client.local_port}: .*makeCoffee", timeout=3)
        self.assert_serves_normally(self.server, "live/after-unknown-command")

    # --- timestamps, with real H.264 and AAC from a short encode replayed by hand

    def publish_raw(self, stream):
        client = self.raw()
        client.handshake()
        status = client.publish(stream.split("/")[1])
        self.assertEqual(status[3].get("code"), "NetStream.Publish.Start", status)
        return client

    def start_viewers(self, stream):
        capture = self.workdir.file("viewer", "flv")
        viewers = (self.spawn("curl", harness.curl_argv(self.server.http_url(stream), capture, max_seconds=20)),
                   self.spawn("ffprobe", harness.ffprobe_argv(self.server.rtmp_url(stream))))
        self.server.wait_for_log(rf": playing {re.escape(stream)}( over HTTP-FLV)?$", count=2)
        return viewers, capture

    def test_timestamps_far_back_drop_the_publisher(self):
        stream = "live/jump-back"
        client = self.publish_raw(stream)
        head = [t for t in self.sample if t.timestamp < 2800]
        for tag in head[:len(head) // 2]:
            client.send_tag(tag)
        (curl, ffprobe), capture = self.start_viewers(stream)
        for tag in head[len(head) // 2:]:
            client.send_tag(tag)
        last = max(t.timestamp for t in head if t.type == FLV_VIDEO)
        frame = next(t for t in self.sample if t.type == FLV_VIDEO and t.timestamp > last)
        client.send_tag(frame, ts=last - 2500)
        self.assertIsNotNone(client.wait_closed(2), "a publisher whose video went 2.5 s back was kept")
        self.server.wait_for_log(
            rf"{client.local_port}: {re.escape(stream)}: closing: bad timestamps: video timestamp jumped back 2500 ms")
        self.server.wait_for_log(rf"stopped publishing {re.escape(stream)} ")
        # Its viewers get a clean end with what came before.
        self.assertEqual(curl.wait(5), 0, curl.stderr())
        self.assertEqual(ffprobe.wait(5), 0, ffprobe.stderr())
        flv = harness.read_flv(capture)
        self.assertEqual(flv.leftover, 0)
        self.assertEqual(max(t.timestamp for t in flv.media(FLV_VIDEO)), last)
        # And the name is free for the next publisher.
        self.assert_serves_normally(self.server, stream)

    def test_small_timestamp_step_back_is_smoothed_over(self):
        stream = "live/step-back"
        # Only this client's lines: an earlier one may have had the same local port.
        mark = self.server.mark()
        client = self.publish_raw(stream)
        # The first second; viewers join at its keyframe. The rest with everything from
        # 2 s on sent 0.5 s early: both tracks step back by less than the limit (1 s).
        for tag in (t for t in self.sample if t.timestamp < 1000):
            client.send_tag(tag)
        (curl, ffprobe), capture = self.start_viewers(stream)
        for tag in (t for t in self.sample if t.timestamp >= 1000):
            client.send_tag(tag, ts=tag.timestamp - 500 if tag.timestamp >= 2000 else tag.timestamp)
        time.sleep(0.3)
        closing = [l for l in self.server.log_lines()[mark:] if re.search(rf"{client.local_port}: .*closing", l)]
        self.assertEqual(closing, [],
                         "a 0.5 s step back dropped the publisher")
        client.unpublish(stream.split("/")[1])
        self.server.wait_for_log(rf"stopped publishing {re.escape(stream)} .*: the client unpublished")
        client.close()

        self.assertEqual(curl.wait(5), 0, curl.stderr())
        self.assertEqual(ffprobe.wait(5), 0, ffprobe.stderr())
        flv = harness.read_flv(capture)
        # Viewers start at the keyframe: what came before it is not theirs.
        keyframe = next(i for i, t in enumerate(self.sample) if t.is_keyframe)
        for kind, tag_type in (("video", FLV_VIDEO), ("audio", FLV_AUDIO)):
            sent = [t for t in self.sample[keyframe:] if t in self.sample_flv.media(tag_type)]
            got = flv.media(tag_type)
            self.assertEqual(len(got), len(sent), f"{kind}: every frame is forwarded")
            ts = [t.timestamp for t in got]
            self.assertEqual([(a, b) for a, b in zip(ts, ts[1:]) if b < a], [],
                             f"{kind} timestamps the viewer sees go backwards")
        probe = harness.Probe(ffprobe.stdout_bytes().decode(), "ffprobe")
        self.assert_dts_monotonic(probe)
        self.assert_serves_normally(self.server, stream)


if __name__ == "__main__":
    unittest.main()
