"""RTMPS and HTTPS.

With a certificate configured, a TLS listener decrypts each client and hands it to the
plain RTMP or HTTP side: ffmpeg publishes over rtmps://, players read over rtmps:// and
https:// (HLS, HTTP-FLV, the API), and a client that never completes its TLS handshake is
dropped after tls.handshake_timeout_ms without disturbing anyone.
"""

import os
import socket
import ssl
import subprocess
import time
import unittest
import urllib.request

from harness import HOST, IntegrationTest, Probe, ffprobe_argv, free_ports, publisher_argv, relaycast_bin


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True, timeout=60)
    return cert, key


class Tls(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, cls.key = make_certificate(cls.workdir.path)

    def start_tls_server(self):
        rtmps, https = free_ports(2)
        server = self.start_server(config=(
            f"[tls]\ncertificate = \"{self.cert}\"\nprivate_key = \"{self.key}\"\n"
            f"rtmps_port = {rtmps}\nhttps_port = {https}\nhandshake_timeout_ms = 1000\n"))
        server.wait_for_log(r"RTMPS on port \d+", timeout=5)
        return server, rtmps, https

    def test_publish_over_rtmps_and_play_over_rtmps_https_and_rtmp(self):
        server, rtmps, https = self.start_tls_server()
        since = server.mark()
        publisher = self.spawn("publisher", publisher_argv(f"rtmps://{HOST}:{rtmps}/live/secure", seconds=30))
        server.wait_for_publish("live/secure", since=since)
        for url in (f"rtmps://{HOST}:{rtmps}/live/secure", server.rtmp_url("live/secure"),
                    f"https://{HOST}:{https}/live/secure.flv"):
            out = subprocess.run(ffprobe_argv(url, read_seconds=2), capture_output=True, text=True, timeout=30)
            probe = Probe(out.stdout, url)
            self.assertEqual(probe.stream("video")["codec_name"], "h264", f"{url}: {out.stderr[-400:]}")
            self.assertEqual(probe.stream("audio")["codec_name"], "aac", url)
            self.assertGreater(len(probe.packets_of("video")), 10, url)

        # HLS and the API over HTTPS (self-signed: no verification here).
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        deadline = time.monotonic() + 10
        while True:
            with urllib.request.urlopen(f"https://{HOST}:{https}/live/secure/index.m3u8", context=insecure,
                                        timeout=10) as r:
                playlist = r.read().decode()
            if "#EXTINF" in playlist or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertIn("#EXTINF", playlist)
        with urllib.request.urlopen(f"https://{HOST}:{https}/api/v1/clients", context=insecure, timeout=10) as r:
            clients = r.read().decode()
        self.assertIn("live/secure", clients)
        publisher.kill()

    def test_a_client_that_never_handshakes_is_dropped_and_others_are_served(self):
        server, rtmps, https = self.start_tls_server()
        silent = socket.create_connection((HOST, rtmps), timeout=5)
        garbage = socket.create_connection((HOST, https), timeout=5)
        garbage.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to the TLS port
        garbage.settimeout(5)
        answer = b""
        while chunk := garbage.recv(4096):
            answer += chunk
        self.assertLess(len(answer), 100, "plain HTTP on the HTTPS port gets a TLS alert at most, then the close")
        started = time.monotonic()
        silent.settimeout(5)
        self.assertEqual(silent.recv(10), b"", "the silent client was not dropped")
        self.assertLess(time.monotonic() - started, 3.0)
        silent.close()
        garbage.close()
        # The plain side still serves.
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                              f"http://{HOST}:{server.http_port}/api/v1/server"], capture_output=True, text=True)
        self.assertEqual(out.stdout, "200")

    def test_a_missing_certificate_stops_the_server_with_the_file_named(self):
        rtmp, http = free_ports(2)
        config = os.path.join(self.workdir.path, "bad.toml")
        with open(config, "w") as f:
            f.write("[tls]\ncertificate = \"/nonexistent/cert.pem\"\n")
        out = subprocess.run([relaycast_bin(), "serve", "--bind", HOST, "--rtmp-port", str(rtmp), "--http-port",
                              str(http), "--srt-port", "0", "--config", config], capture_output=True, text=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("/nonexistent/cert.pem", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
