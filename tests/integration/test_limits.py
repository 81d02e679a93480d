"""The limits that keep one client from taking the server down: each holds, is logged
with its reason, and everyone else keeps being served."""

import socket
import time
import unittest

import harness
from harness import FLV_VIDEO, FPS


def raw_flv_viewer(port, stream, rcvbuf=4096):
    """An HTTP-FLV viewer that reads only when told to: a socket with a small receive
    buffer, so the server's side fills up as soon as it stops."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((harness.HOST, port))
    s.sendall(f"GET /{stream}.flv HTTP/1.1\r\nHost: relaycast\r\n\r\n".encode())
    return s


def drain(s, seconds):
    """Reads whatever comes for `seconds`; returns the byte count and whether the server closed."""
    s.settimeout(0.2)
    got, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return got, True
        if not data:
            return got, True
        got += len(data)
    return got, False


def closed_within(s, seconds):
    """True when the server closes `s` (without us sending anything) within `seconds`."""
    s.settimeout(seconds)
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class LimitsTest(harness.IntegrationTest):
    def publish(self, server, stream, seconds=None):
        publisher = self.spawn(f"publisher {stream}", harness.publisher_argv(server.rtmp_url(stream), seconds=seconds))
        server.wait_for_publish(stream)
        return publisher

    def test_connections_over_the_limits_are_refused_and_the_rest_served(self):
        for key in ("max_connections", "max_connections_per_ip"):
            with self.subTest(key=key):
                server = self.start_server(f"[server]\n{key} = 4\n")
                self.publish(server, "live/cap")  # the first connection
                held = [socket.create_connection((harness.HOST, server.rtmp_port)) for _ in range(3)]
                since = server.mark()
                extra = socket.create_connection((harness.HOST, server.rtmp_port))
                self.assertTrue(closed_within(extra, 3), f"a connection over {key} = 4 was kept open")
                server.wait_for_log(r"refused connection from 127\.0\.0\.1:\d+: ", since=since)
                extra.close()
                for s in held:
                    s.close()
                time.sleep(0.3)  # the server sees the held ones go
                self.assert_serves_normally(server, "live/after-cap")
                server.stop()

    def test_idle_rtmp_connection_is_closed_after_the_idle_timeout(self):
        server = self.start_server("[rtmp]\nidle_timeout_ms = 1000\n")
        with socket.create_connection((harness.HOST, server.rtmp_port), timeout=5) as s:
            s.sendall(b"\x03" + bytes(1536))  # C0 C1
            handshake = b""
            while len(handshake) < 1 + 2 * 1536:
                data = s.recv(8192)
                self.assertTrue(data, "the server closed during the handshake")
                handshake += data
            s.sendall(handshake[1 + 1536:1 + 2 * 1536])  # C2 echoes S1
            start = time.monotonic()
            self.assertTrue(closed_within(s, 5), "an idle connection was kept open")
            after = time.monotonic() - start
        self.assertGreaterEqual(after, 0.9, "closed before the idle timeout")
        self.assertLessEqual(after, 2.5, "closed long after the idle timeout")
        server.wait_for_log(r"timed out waiting for the client")
        self.assert_serves_normally(server, "live/after-idle")

    def test_stream_cap_refuses_one_more_and_keeps_the_first(self):
        server = self.start_server("[stream]\nmax_streams = 1\n")
        first = self.publish(server, "live/one", seconds=8)
        since = server.mark()
        second = self.spawn("second publisher", harness.publisher_argv(server.rtmp_url("live/two"), seconds=5))
        server.wait_for_log(r"refused publish of live/two: the server already has 1 live streams", since=since)
        self.assertTrue(second.exited_within(10), "the refused publisher was kept connected")
        capture = self.workdir.file("one", "flv")
        viewer = self.spawn("viewer", harness.curl_argv(server.http_url("live/one"), capture, max_seconds=15))
        self.assertEqual(first.wait(15), 0, f"the first publisher was disturbed: {first.stderr()}")
        viewer.wait(10)
        self.assertGreaterEqual(len(harness.read_flv(capture).media(FLV_VIDEO)), FPS)

    def test_viewer_that_stops_reading_is_dropped_and_the_others_keep_playing(self):
        server = self.start_server("""
[http]
send_timeout_ms = 1500
[stream]
viewer_send_buffer_bytes = 32768
""")
        self.publish(server, "live/stall")
        capture = self.workdir.file("steady", "flv")
        steady = self.spawn("steady viewer", harness.curl_argv(server.http_url("live/stall"), capture, max_seconds=12))
        stalled = raw_flv_viewer(server.http_port, "live/stall")
        # It reads nothing: once the socket buffers are full the send timeout runs out.
        server.wait_for_log(r"stopped playing live/stall: timed out sending", timeout=15)
        stalled.close()
        steady.wait(20)
        flv = harness.read_flv(capture, "the steady viewer")
        video = flv.media(FLV_VIDEO)
        self.assertGreaterEqual(len(video), 8 * FPS, "the steady viewer got too little while another stalled")
        stamps = [t.timestamp for t in video]
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        self.assertLessEqual(max(gaps), 200, "the steady viewer's stream has a hole")

    def test_viewer_that_keeps_falling_behind_skips_then_is_dropped(self):
        server = self.start_server("""
[http]
send_timeout_ms = 20000
[stream]
viewer_send_buffer_bytes = 32768
max_viewer_lag_ms = 300
max_skips_per_minute = 1
""")
        self.publish(server, "live/lag")
        viewer = raw_flv_viewer(server.http_port, "live/lag")
        try:
            closed = False
            for _ in range(4):
                time.sleep(2.5)  # falls behind the ring ...
                _, closed = drain(viewer, 1.5)  # ... and catches up by skipping
                if closed:
                    break
            self.assertTrue(closed, "a viewer that fell behind again and again was kept")
        finally:
            viewer.close()
        line = server.wait_for_log(r"stopped playing live/lag: too slow")[0]
        dropped = int(line.split("(")[-1].split()[0])
        self.assertGreater(dropped, 0, line)
        self.assert_serves_normally(server, "live/after-lag")


if __name__ == "__main__":
    unittest.main()
