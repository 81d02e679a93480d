"""The API with a token: 401 without it or with a wrong one, from anywhere; /metrics
open by default and protected once metrics.auth is set (applied by a reload); the CLI
with --token and RELAYCAST_TOKEN."""

import unittest

import harness
from api_support import call, cli

TOKEN = "t0ken-for-tests"


class ApiTokenTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server(f'[api]\ntoken = "{TOKEN}"\n')
        cls.url = f"http://{harness.HOST}:{cls.server.http_port}"

    def test_start_log_says_how_the_api_is_protected(self):
        self.server.wait_for_log(r'API: /api/v1 on HTTP port \d+ needs "Authorization: Bearer <api.token>"')

    def test_every_route_needs_the_token(self):
        for method, path in (("GET", "/api/v1/server"), ("GET", "/api/v1/streams"), ("GET", "/api/v1/clients"),
                             ("GET", "/api/v1/keys"), ("POST", "/api/v1/reload"), ("GET", "/api/v1/openapi.json"),
                             ("GET", "/api/v1/nothing")):
            for token in (None, "wrong-token", TOKEN + "x"):
                r = call(self.server, method, path, token=token)
                self.assertEqual(r.status, 401, f"{method} {path} with {token!r}: {r}")
                self.assertEqual(r.json["error"], "unauthorized")
                self.assertIn("token missing or wrong", r.json["detail"])
                self.assertEqual(r.headers.get("WWW-Authenticate"), 'Bearer realm="relaycast"')
        r = call(self.server, "GET", "/api/v1/server", token=TOKEN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["api_auth"], "token")
        self.assertGreaterEqual(r.json["refused"]["api_unauthorized"], 3)

    def test_cli_with_and_without_the_token(self):
        status, out, err = cli(self.url, "status")
        self.assertEqual(status, 1)
        self.assertIn("401: token missing or wrong", err)
        status, out, err = cli(self.url, "status", token=TOKEN)
        self.assertEqual(status, 0, err)
        self.assertIn("API auth   bearer token", out)
        status, out, err = cli(self.url, "streams", "ls", env={"RELAYCAST_TOKEN": TOKEN})
        self.assertEqual(status, 0, err)

    def test_metrics_open_by_default_then_protected_after_reload(self):
        server = self.start_server(f'[api]\ntoken = "{TOKEN}"\n')
        self.assertEqual(call(server, "GET", "/metrics").status, 200)
        path = server.proc.argv[server.proc.argv.index("--config") + 1]
        with open(path, "a") as f:
            f.write("[metrics]\nauth = true\n")
        r = call(server, "POST", "/api/v1/reload", token=TOKEN)
        self.assertIn("metrics.auth: false -> true", r.json["applied"], r)
        self.assertEqual(call(server, "GET", "/metrics").status, 401)
        self.assertEqual(call(server, "GET", "/metrics", token=TOKEN).status, 200)


class ApiLoopbackTest(harness.IntegrationTest):
    """Without a token the API answers loopback clients and the log says so."""

    def test_loopback_works_and_the_start_log_warns(self):
        server = self.start_server()
        server.wait_for_log(r"no api.token configured: /api/v1 answers only to clients on loopback")
        r = call(server, "GET", "/api/v1/server")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["api_auth"], "loopback")

    def test_api_can_be_turned_off(self):
        server = self.start_server("[api]\nenabled = false\n[metrics]\nenabled = false\n")
        for path in ("/api/v1/server", "/metrics"):
            r = call(server, "GET", path)
            self.assertEqual(r.status, 404, f"{path}: {r}")


if __name__ == "__main__":
    unittest.main()
