"""Signed play URLs with play_tokens.required: valid, expired, forged and missing
tokens on every play protocol, with real players.

Tokens are signed here in Python from the format the README documents
(<expiry>.<hex HMAC-SHA256(secret, "app/name:expiry")>), so the test also checks that
another system can sign. ffprobe plays RTMP (token in the play name's query, and in
the tcUrl's), curl HTTP-FLV, ffprobe the whole HLS and LL-HLS playlists with their
segments (the server must carry the token into every URI it writes). `relaycast
tokens sign` prints URLs that play, signing locally or through the API.
"""

import hashlib
import hmac
import json
import os
import time
import unittest
import urllib.error
import urllib.request

import harness
from api_support import call, cli
from harness import IntegrationTest, Probe, ffprobe_argv, publisher_argv

SECRET = "integration-secret-0123456789"
STREAM = "live/cam"


def sign(stream, expires, secret=SECRET):
    mac = hmac.new(secret.encode(), f"{stream}:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{mac}"


def valid(stream=STREAM):
    return sign(stream, int(time.time()) + 600)


def http_get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class PlayTokensTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        recordings = os.path.join(cls.workdir.path, "rec")
        cls.server = cls.start_class_server(f'[play_tokens]\nsecret = "{SECRET}"\nrequired = true\n'
                                            f'[record]\nenabled = true\ndirectory = "{recordings}"\nfragment_ms = 1000\n'
                                            f'[hls]\nsegment_ms = 1000\npart_ms = 250\n')
        cls.publisher = cls.spawn_class("publisher", publisher_argv(cls.server.rtmp_url(STREAM), seconds=50, gop=12))
        cls.server.wait_for_publish(STREAM)
        cls.http = f"http://{harness.HOST}:{cls.server.http_port}"

    # Each way to be wrong, with what the client is told and the reason it is counted under.
    BAD = {
        "missing": (lambda: "", "needs a signed play token", "play_token_missing"),
        "expired": (lambda: sign(STREAM, int(time.time()) - 5), "expired at", "play_token_expired"),
        "forged": (lambda: sign(STREAM, int(time.time()) + 600, secret="not-the-secret"),
                   "signature is not valid for live/cam", "play_token_forged"),
        "other stream": (lambda: valid("live/other"), "signature is not valid for live/cam", "play_token_forged"),
        "malformed": (lambda: "12345.nothex", "malformed", "play_token_malformed"),
    }

    def refused(self):
        return call(self.server, "GET", "/api/v1/server").json["refused"]

    def query(self, token):
        return f"token={token}" if token else None

    def test_start_log_says_tokens_are_required(self):
        self.server.wait_for_log(r"play tokens: RTMP, HTTP-FLV and HLS play, and replays of recordings, need \?token=")

    def test_rtmp(self):
        ok = self.spawn("ffprobe valid", ffprobe_argv(self.server.rtmp_url(STREAM, self.query(valid())), read_seconds=1))
        self.assertEqual(ok.wait(20), 0, ok.stderr())
        self.assertTrue(Probe(ok.stdout_bytes().decode(), "RTMP with a valid token").packets_of("video"))
        for what, (token, message, reason) in self.BAD.items():
            before = self.refused()[reason]
            probe = self.spawn(f"ffprobe {what}", ffprobe_argv(self.server.rtmp_url(STREAM, self.query(token())),
                                                               read_seconds=1))
            self.assertNotEqual(probe.wait(20), 0, f"RTMP play with a {what} token")
            self.assertIn(message, probe.stderr(), what)
            self.assertGreater(self.refused()[reason], before, what)

    def test_rtmp_token_in_the_tcurl(self):
        # As a client that puts the query on the application (tcUrl) rather than the name.
        url = self.server.rtmp_url(STREAM)
        tc_url = f"rtmp://{harness.HOST}:{self.server.rtmp_port}/live?token={valid()}"
        argv = ffprobe_argv(url, read_seconds=1)
        ok = self.spawn("ffprobe tcurl", argv[:-1] + ["-rtmp_tcurl", tc_url, argv[-1]])
        self.assertEqual(ok.wait(20), 0, ok.stderr())
        bad_tc = f"rtmp://{harness.HOST}:{self.server.rtmp_port}/live?token={sign(STREAM, int(time.time()) - 1)}"
        bad = self.spawn("ffprobe tcurl expired", argv[:-1] + ["-rtmp_tcurl", bad_tc, argv[-1]])
        self.assertNotEqual(bad.wait(20), 0)
        self.assertIn("expired at", bad.stderr())

    def test_http_flv(self):
        out = self.workdir.file("valid", "flv")
        curl = self.spawn("curl valid", harness.curl_argv(f"{self.http}/{STREAM}.flv?token={valid()}", out,
                                                          max_seconds=2))
        curl.wait(15)
        self.assertEqual(curl.stdout_bytes().decode(), "200")
        self.assertTrue(harness.read_flv(out, "HTTP-FLV with a valid token").media(harness.FLV_VIDEO))
        for what, (token, message, reason) in self.BAD.items():
            before = self.refused()[reason]
            query = f"?token={token()}" if token() else ""
            status, body = http_get(f"{self.http}/{STREAM}.flv{query}")
            self.assertEqual(status, 403, what)
            self.assertIn(message.encode(), body, what)
            self.assertGreater(self.refused()[reason], before, what)

    def wait_for_segments(self, token, playlist="index.m3u8", count=3):
        deadline = time.monotonic() + 15
        while True:
            status, body = http_get(f"{self.http}/{STREAM}/{playlist}?token={token}")
            uris = [l for l in body.decode().splitlines() if l and not l.startswith("#")] if status == 200 else []
            if len(uris) >= count:
                return body.decode()
            self.assertLess(time.monotonic(), deadline, f"{playlist}: {status} {body[:300]!r}")
            time.sleep(0.3)

    def test_hls_playlist_carries_the_token_into_every_uri(self):
        token = valid()
        for playlist in ("index.m3u8", "ll.m3u8"):
            text = self.wait_for_segments(token, playlist)
            uris = [l for l in text.splitlines() if l and not l.startswith("#")]
            uris += [part.split('"')[0] for part in text.split('URI="')[1:]]
            self.assertTrue(uris)
            for uri in uris:
                self.assertTrue(uri.endswith(f"?token={token}"), f"{playlist}: {uri}")
            # What the playlist names, fetched as a player would, plays; without the token it does not.
            segment = [u for u in uris if u.split("?")[0].endswith((".ts", ".m4s"))][0]
            status, body = http_get(f"{self.http}/{STREAM}/{segment}")
            self.assertEqual(status, 200, segment)
            self.assertGreater(len(body), 1000)
            bare = segment.split("?")[0]
            for what, (bad, message, reason) in self.BAD.items():
                query = f"?token={bad()}" if bad() else ""
                status, body = http_get(f"{self.http}/{STREAM}/{bare}{query}")
                self.assertEqual(status, 403, f"{bare} with a {what} token")
                self.assertIn(message.encode(), body, what)
            for what, (bad, message, reason) in self.BAD.items():
                query = f"?token={bad()}" if bad() else ""
                status, body = http_get(f"{self.http}/{STREAM}/{playlist}{query}")
                self.assertEqual(status, 403, f"{playlist} with a {what} token")

    def test_ffprobe_reads_hls_and_ll_hls_with_a_token(self):
        token = valid()
        self.wait_for_segments(token)
        probes = {}
        for playlist in ("index.m3u8", "ll.m3u8"):
            probes[playlist] = self.spawn(f"ffprobe {playlist}",
                                          ffprobe_argv(f"{self.http}/{STREAM}/{playlist}?token={token}", read_seconds=3))
        for playlist, proc in probes.items():
            self.assertEqual(proc.wait(30), 0, f"{playlist}: {proc.stderr()}")
            probe = Probe(proc.stdout_bytes().decode(), f"ffprobe {playlist} with a token")
            self.assert_h264_aac(probe)
            self.assertGreaterEqual(len(probe.packets_of("video")), harness.FPS * 2, playlist)
        expired = self.spawn("ffprobe expired HLS", ffprobe_argv(
            f"{self.http}/{STREAM}/index.m3u8?token={sign(STREAM, int(time.time()) - 1)}", read_seconds=1))
        self.assertNotEqual(expired.wait(20), 0)
        self.assertIn("403", expired.stderr())

    def test_recordings_replay_only_with_a_token_of_their_stream(self):
        deadline = time.monotonic() + 20
        while True:
            listed = call(self.server, "GET", "/api/v1/recordings").json["recordings"]
            ours = [r for r in listed if r["stream"] == STREAM and r.get("duration_ms", 0) >= 2000]
            if ours:
                break
            self.assertLess(time.monotonic(), deadline, f"no recording of {STREAM} with 2 s in it: {listed}")
            time.sleep(0.5)
        vod = f"{self.http}/vod/{STREAM}/{ours[0]['file']}"
        token = valid()
        status, body = http_get(f"{vod}/index.m3u8?token={token}")
        self.assertEqual(status, 200, body[:300])
        uris = [l for l in body.decode().splitlines() if l and not l.startswith("#")]
        uris += [part.split('"')[0] for part in body.decode().split('URI="')[1:]]
        self.assertTrue(uris, body)
        for uri in uris:
            self.assertTrue(uri.endswith(f"?token={token}"), uri)
        # Still being written: an EVENT playlist that grows, read like a live one.
        probe = self.spawn("ffprobe VOD", ffprobe_argv(f"{vod}/index.m3u8?token={token}", read_seconds=2))
        self.assertEqual(probe.wait(30), 0, probe.stderr())
        self.assertGreaterEqual(len(Probe(probe.stdout_bytes().decode(), "VOD with a token").packets_of("video")),
                                harness.FPS)
        for target in (f"{vod}/index.m3u8", vod):
            for what, (bad, message, reason) in self.BAD.items():
                before = self.refused()[reason]
                query = f"?token={bad()}" if bad() else ""
                status, body = http_get(target + query)
                self.assertEqual(status, 403, f"{target} with a {what} token")
                self.assertIn(message.encode(), body, what)
                self.assertEqual(self.refused()[reason], before + 1, what)
        self.server.wait_for_log(r"refused replay of live/cam: live/cam needs a signed play token")

    def test_cli_signs_through_the_api_and_locally(self):
        status, out, err = cli(self.http, "tokens", "sign", STREAM, "--ttl", "2h")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"expires\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 2h00m\)")
        flv = [l.split()[-1] for l in out.splitlines() if l.startswith("HTTP-FLV")][0]
        self.assertTrue(flv.startswith(f"{self.http}/{STREAM}.flv?token="), out)
        rtmp = [l.split()[-1] for l in out.splitlines() if l.startswith("RTMP")][0]
        self.assertEqual(rtmp, f"rtmp://{harness.HOST}:{self.server.rtmp_port}/{STREAM}?token=" + flv.split("=")[1])
        out_file = self.workdir.file("cli", "flv")
        curl = self.spawn("curl cli url", harness.curl_argv(flv, out_file, max_seconds=1))
        curl.wait(10)
        self.assertEqual(curl.stdout_bytes().decode(), "200")

        status, out, err = cli(None, "tokens", "sign", STREAM, "--ttl", "90s", "--secret", SECRET, "--json",
                               "--base-url", self.http, "--rtmp-url", f"rtmp://{harness.HOST}:{self.server.rtmp_port}")
        self.assertEqual(status, 0, err)
        signed = json.loads(out)
        self.assertAlmostEqual(signed["expires_unix"], time.time() + 90, delta=5)
        self.assertEqual(signed["token"], sign(STREAM, signed["expires_unix"]))
        probe = self.spawn("ffprobe cli rtmp", ffprobe_argv(signed["urls"]["rtmp"], read_seconds=0.5))
        self.assertEqual(probe.wait(20), 0, probe.stderr())
        self.assertEqual(http_get(signed["urls"]["hls"])[0], 200)

        status, out, err = cli(None, "tokens", "sign", "nonsense", "--secret", SECRET)
        self.assertEqual(status, 2)
        self.assertIn("not a stream app/name", err)

    def test_an_edge_with_the_secret_pulls_from_the_origin(self):
        # The edge signs its own pull; without that the origin would refuse it.
        edge = self.start_server(f'[play_tokens]\nsecret = "{SECRET}"\nrequired = true\n[cluster]\nrole = "edge"\n'
                                 f'origins = ["rtmp://{harness.HOST}:{self.server.rtmp_port}"]\n')
        since = self.server.mark()
        probe = self.spawn("ffprobe via the edge", ffprobe_argv(edge.rtmp_url(STREAM, self.query(valid())),
                                                                read_seconds=1))
        self.assertEqual(probe.wait(30), 0, probe.stderr())
        self.assertTrue(Probe(probe.stdout_bytes().decode(), "RTMP through the edge").packets_of("video"))
        self.server.wait_for_log(r": playing live/cam$", since=since)
        # And the edge checks its own viewers' tokens.
        bad = self.spawn("ffprobe via the edge, no token", ffprobe_argv(edge.rtmp_url(STREAM), read_seconds=1))
        self.assertNotEqual(bad.wait(20), 0)
        self.assertIn("needs a signed play token", bad.stderr())

    def test_api_endpoint(self):
        r = call(self.server, "POST", "/api/v1/tokens", body={"stream": STREAM, "ttl_s": 60,
                                                              "base_url": "https://cdn.example"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["urls"]["hls"], f"https://cdn.example/{STREAM}/index.m3u8?token={r.json['token']}")
        self.assertEqual(r.json["urls"]["rtmp"], f"rtmp://cdn.example:{self.server.rtmp_port}/{STREAM}?token="
                                                 f"{r.json['token']}")
        self.assertEqual(r.json["token"], sign(STREAM, r.json["expires_unix"]))
        for body, error in (({"stream": "live"}, "bad request"), ({"ttl_s": 5}, "bad request body"),
                            ({"stream": STREAM, "ttl_s": 0}, "bad request"),
                            ({"stream": STREAM, "ttl_s": "1h"}, "bad ttl")):
            r = call(self.server, "POST", "/api/v1/tokens", body=body)
            self.assertEqual((r.status, r.json["error"]), (400, error), r)


class PlayTokensOffTest(IntegrationTest):
    def test_without_a_secret_the_api_cannot_sign_and_play_is_open(self):
        server = self.start_server()
        r = call(server, "POST", "/api/v1/tokens", body={"stream": STREAM})
        self.assertEqual(r.status, 409, r)
        self.assertIn("no play_tokens.secret", r.json["detail"])
        status, out, err = cli(f"http://{harness.HOST}:{server.http_port}", "tokens", "sign", STREAM)
        self.assertEqual(status, 1)
        self.assertIn("no play_tokens.secret", err)


if __name__ == "__main__":
    unittest.main()
