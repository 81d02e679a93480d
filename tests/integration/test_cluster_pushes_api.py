"""Pushes added and removed at run time through the API and the CLI: a rule added
while a stream is live starts pushing it at once to a second relaycast (where it
plays); `pushes ls` shows its state, target and bytes; a push to a port nothing
listens on shows its reconnects and last error; removing the rule stops the push."""

import json
import time
import unittest

import api_support as api
import cluster_support as cs
from harness import HOST, IntegrationTest, Probe, ffprobe_argv, publisher_argv


class PushesApi(IntegrationTest):
    STREAM = "live/pushme"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.target = cls.start_class_server()
        cls.origin = cls.start_class_server(config="[cluster]\nbackoff_min_ms = 100\nbackoff_max_ms = 300\n")
        cls.server_url = f"http://{HOST}:{cls.origin.http_port}"
        cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(cls.STREAM), seconds=30))
        cls.origin.wait_for_publish(cls.STREAM)

    def cli(self, *args):
        return api.cli(self.server_url, *args)

    def pushes(self):
        status, out, err = self.cli("pushes", "ls", "--json")
        self.assertEqual(status, 0, err)
        return json.loads(out)

    def test_add_ls_and_rm_a_push_at_run_time(self):
        status, out, err = self.cli("pushes", "add", self.STREAM, f"rtmp://{HOST}:{self.target.rtmp_port}/mirror")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"added push rule \d+: live/pushme -> rtmp://127\.0\.0\.1:\d+/mirror \(1 push\(es\) started\)")
        rule = int(out.split()[3].rstrip(":"))
        self.target.wait_for_publish("mirror/pushme")
        proc = self.spawn("ffprobe mirror", ffprobe_argv(self.target.rtmp_url("mirror/pushme"), 2))
        self.assertEqual(proc.wait(20), 0, proc.stderr()[-500:])
        self.assert_h264_aac(Probe(proc.stdout_bytes().decode(), proc.name))

        push = api.wait_until("the push pushing with bytes sent", lambda: next(
            (p for p in self.pushes()["pushes"] if p["rule"] == rule and p["state"] == "pushing" and p["bytes"] > 100000),
            None))
        self.assertEqual(push["stream"], self.STREAM)
        self.assertTrue(push["url"].startswith(f"rtmp://{HOST}:{self.target.rtmp_port}/mirror/push"), push["url"])
        self.assertEqual(push["reconnects"], 0)
        status, out, _ = self.cli("pushes", "ls")
        self.assertRegex(out, rf"{rule}\s+live/pushme -> rtmp://127\.0\.0\.1:\d+/mirror/push\S*\s+pushing")

        status, out, err = self.cli("pushes", "rm", str(rule))
        self.assertEqual(status, 0, err)
        self.assertIn(f"removed push rule {rule} (1 push(es) stopped)", out)
        self.target.wait_for_log(r"mirror/pushme.*(unpublished|stopped|ended|closed)", timeout=5)
        api.wait_until("the push gone from the list", lambda: all(p["rule"] != rule for p in self.pushes()["pushes"]))
        self.assertNotIn(rule, [r["id"] for r in self.pushes()["rules"]])

    def test_failing_push_shows_reconnects_and_the_last_error(self):
        reply = api.call(self.origin, "POST", "/api/v1/pushes",
                         body={"app": "live", "stream": "pushme", "url": cs.closed_port_url() + "/nowhere"})
        self.assertEqual(reply.status, 201, reply)
        rule = reply.json["rule"]["id"]
        self.addCleanup(api.call, self.origin, "DELETE", f"/api/v1/pushes/{rule}")
        push = api.wait_until("reconnects counted", lambda: next(
            (p for p in self.pushes()["pushes"] if p["rule"] == rule and p["reconnects"] >= 2), None), timeout=8)
        self.assertRegex(push["last_error"], r"refused|closed", push)
        self.assertIn(push["state"], ("retrying", "connecting"))

    def test_bad_requests_say_why(self):
        reply = api.call(self.origin, "POST", "/api/v1/pushes", body={"app": "live", "url": "http://not-rtmp"})
        self.assertEqual(reply.status, 400, reply)
        self.assertIn("rtmp://", reply.json["detail"])
        self.assertEqual(api.call(self.origin, "DELETE", "/api/v1/pushes/9999").status, 404)
        status, _, err = self.cli("pushes", "rm", "9999")
        self.assertEqual(status, 1)
        self.assertIn("no push rule 9999", err)


if __name__ == "__main__":
    unittest.main()
