"""Pushes and pulls over rtmps:// (RTMP in TLS), as a public platform's ingest takes them.

A second relaycast with RTMPS on (a self-signed certificate for 127.0.0.1) is the
target. The first pushes to it over rtmps:// under a [[relay.push]] rule that trusts
the certificate through tls_ca_file, and under a rule added at run time through POST
/api/v1/pushes with verification off: both arrive and play there (h264 + aac), and the
API shows both pushes pushing. With verification on and the certificate not trusted,
for another name, or a server that never answers the TLS handshake, the push fails
with a status and a log line naming the problem and keeps retrying, while the stream
on the first server plays on and the good push keeps sending. An edge pulls from the
target over rtmps:// too.
"""

import os
import subprocess
import unittest

import api_support as api
import cluster_support as cs
from harness import HOST, IntegrationTest, Probe, ffprobe_argv, free_ports, publisher_argv


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 only (no DNS name): its own CA."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=relaycast test target", "-addext", f"subjectAltName=IP:{HOST}"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class PushRtmps(IntegrationTest):
    STREAM = "live/cam"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, key = make_certificate(cls.workdir.path)
        cls.rtmps_port, https_port = free_ports(2)
        cls.target = cls.start_class_server(config=(
            f"[tls]\ncertificate = \"{cls.cert}\"\nprivate_key = \"{key}\"\n"
            f"rtmps_port = {cls.rtmps_port}\nhttps_port = {https_port}\n"))
        cls.target.wait_for_log(r"RTMPS on port \d+", timeout=5)
        cls.origin = cls.start_class_server(config=(
            "[cluster]\nbackoff_min_ms = 100\nbackoff_max_ms = 400\nconnect_timeout_ms = 1500\n"
            "[[relay.push]]\napp = \"live\"\nstream = \"cam\"\n"
            f"url = \"{cls.rtmps_url('mirror')}\"\ntls_ca_file = \"{cls.cert}\"\n"))
        cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(cls.STREAM), seconds=180))
        cls.origin.wait_for_publish(cls.STREAM)

    @classmethod
    def rtmps_url(cls, app, host=HOST):
        return f"rtmps://{host}:{cls.rtmps_port}/{app}"

    def pushes(self):
        reply = api.call(self.origin, "GET", "/api/v1/pushes")
        self.assertEqual(reply.status, 200, reply)
        return reply.json

    def push_of(self, rule):
        return next((p for p in self.pushes()["pushes"] if p["rule"] == rule), None)

    def add_push(self, **body):
        reply = api.call(self.origin, "POST", "/api/v1/pushes", body={"app": "live", "stream": "cam", **body})
        self.assertEqual(reply.status, 201, reply)
        rule = reply.json["rule"]
        self.addCleanup(api.call, self.origin, "DELETE", f"/api/v1/pushes/{rule['id']}")
        return rule

    def assert_plays(self, server, stream, url=None):
        url = url or server.rtmp_url(stream)
        proc = self.spawn(f"ffprobe {url}", ffprobe_argv(url, 2))
        self.assertEqual(proc.wait(20), 0, proc.stderr()[-500:])
        probe = Probe(proc.stdout_bytes().decode(), proc.name)
        self.assert_h264_aac(probe)
        self.assertGreater(len(probe.packets_of("video")), 10, url)

    def test_configured_push_with_the_ca_file_arrives_and_plays(self):
        self.target.wait_for_publish("mirror/cam")
        self.assert_plays(self.target, "mirror/cam")
        rule = next(r for r in self.pushes()["rules"] if r["source"] == "config")
        self.assertEqual((rule["tls_verify"], rule["tls_ca_file"]), (True, self.cert), rule)
        push = api.wait_until("the configured rtmps push pushing with bytes sent", lambda: next(
            (p for p in [self.push_of(rule["id"])] if p and p["state"] == "pushing" and p["bytes"] > 100000), None))
        self.assertTrue(push["url"].startswith(self.rtmps_url("mirror/cam")), push)
        self.assertGreaterEqual(push["connections"], 1)
        self.assertEqual(push["reconnects"], 0, push)
        self.assertIsNone(push["last_error"], push)

    def test_push_added_at_run_time_with_verification_off_arrives_and_plays(self):
        rule = self.add_push(url=self.rtmps_url("unverified"), tls_verify=False)
        self.assertEqual(rule["tls_verify"], False)
        self.target.wait_for_publish("unverified/cam")
        self.assert_plays(self.target, "unverified/cam")
        push = api.wait_until("the run-time rtmps push pushing", lambda: next(
            (p for p in [self.push_of(rule["id"])] if p and p["state"] == "pushing" and p["connections"] == 1), None))
        self.assertTrue(push["url"].startswith("rtmps://"), push)
        # Played over RTMPS from the target too: the way back works as well.
        self.assert_plays(self.target, "unverified/cam", url=self.rtmps_url("unverified/cam"))

    def check_failing_push(self, rule, what, log_pattern):
        """The push keeps retrying with `what` as its last error, while the stream on the
        origin plays on and the configured push keeps sending."""
        push = api.wait_until(f"{what}: reconnects counted", lambda: next(
            (p for p in [self.push_of(rule["id"])] if p and p["reconnects"] >= 2), None), timeout=15)
        self.assertRegex(push["last_error"] or "", what, push)
        self.assertIn(push["state"], ("retrying", "connecting"), push)
        self.assertEqual(push["connections"], 0, push)
        self.origin.wait_for_log(log_pattern, timeout=5)
        configured = next(r["id"] for r in self.pushes()["rules"] if r["source"] == "config")
        sent_before = self.push_of(configured)["bytes"]
        self.assert_plays(self.origin, self.STREAM)
        self.assertGreater(self.push_of(configured)["bytes"], sent_before, "the good push stopped sending")
        self.assertEqual(self.push_of(configured)["state"], "pushing")

    def test_untrusted_certificate_fails_saying_so_and_retries(self):
        rule = self.add_push(url=self.rtmps_url("untrusted"))  # verification on, the system's CA store
        self.assertEqual(rule["tls_verify"], True)
        self.check_failing_push(rule, r"TLS certificate not trusted: self.signed certificate",
                                r"push of live/cam to rtmps://.*/untrusted.*TLS certificate not trusted: "
                                r"self.signed certificate.*next attempt in")
        self.assertEqual(self.target.log_lines(r"publishing untrusted/"), [], "an untrusted push got through")

    def test_certificate_for_another_name_fails_saying_so(self):
        # "localhost" is not in the certificate, which is for 127.0.0.1 only.
        rule = self.add_push(url=self.rtmps_url("othername", host="localhost"), tls_ca_file=self.cert)
        self.check_failing_push(rule, r"TLS certificate name mismatch: the certificate is not for \"localhost\"",
                                r"push of live/cam to rtmps://localhost:.*name mismatch")

    def test_server_that_never_answers_the_tls_handshake_times_out(self):
        silent = cs.GarbageOrigin(silent=True)
        self.addCleanup(silent.close)
        rule = self.add_push(url=f"rtmps://{HOST}:{silent.port}/silent", tls_verify=False)
        self.check_failing_push(rule, r"TLS handshake timed out", r"push of live/cam to rtmps://.*TLS handshake timed out")

    def test_bad_tls_settings_are_refused_saying_why(self):
        reply = api.call(self.origin, "POST", "/api/v1/pushes",
                         body={"app": "live", "url": self.rtmps_url("x"), "tls_ca_file": "/nonexistent/ca.pem"})
        self.assertEqual(reply.status, 400, reply)
        self.assertIn("tls_ca_file /nonexistent/ca.pem", reply.json["detail"])
        reply = api.call(self.origin, "POST", "/api/v1/pushes",
                         body={"app": "live", "url": f"rtmp://{HOST}:1/x", "tls_verify": False})
        self.assertEqual(reply.status, 400, reply)
        self.assertIn("rtmps:// URLs only", reply.json["detail"])

    def test_edge_pulls_from_an_rtmps_origin(self):
        self.target.wait_for_publish("mirror/cam")
        edge = self.start_server(config=cs.edge_config([f"rtmps://{HOST}:{self.rtmps_port}"]) +
                                 f"[relay]\ntls_ca_file = \"{self.cert}\"\n")
        self.assert_plays(edge, "mirror/cam")
        edge.wait_for_log(rf"pull mirror/cam: live from {HOST}:{self.rtmps_port}$", timeout=2)


if __name__ == "__main__":
    unittest.main()
