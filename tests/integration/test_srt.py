"""SRT in and out, next to RTMP, HTTP-FLV and HLS.

One server, with a stream key for every stream and a passphrase for the app `secure`.
While ffmpeg publishes H.264 + AAC over SRT (MPEG-TS), ffprobe plays it over RTMP,
HTTP-FLV, HLS and SRT; at the same time ffmpeg publishes over RTMP and ffprobe reads
that over SRT, with both stream id forms. Meanwhile the refusals: a stream id that
names nothing, a wrong stream key, a wrong or missing passphrase; each is turned away
with a log line saying why, and the right passphrase gets in.
"""

import re
import time
import unittest

import api_support
import harness
from harness import HOST, FPS, IntegrationTest, Probe, ffprobe_argv, wait_all
import hls_support as hs

KEY = "k3y-for-tests"
PASSPHRASE = "correct-horse-battery"


def srt_url(server, stream_id, passphrase=None):
    # ffmpeg 5.1 takes the stream id from the URL as it is (no %-decoding), up to the
    # next '&': the '?', '=', ':' and ',' of our stream ids go in raw.
    url = f"srt://{HOST}:{server.srt_port}?streamid={stream_id}"
    if passphrase:
        url += f"&passphrase={passphrase}"
    return url


def srt_publisher_argv(server, stream_id, seconds, passphrase=None):
    """harness.publisher_argv's test pattern, as MPEG-TS over SRT."""
    argv = harness.publisher_argv("unused", seconds=seconds)[:-3]  # without -f flv URL
    return argv + ["-f", "mpegts", srt_url(server, stream_id, passphrase)]


class SrtTest(IntegrationTest):
    SECONDS = 9
    READ = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        config = (f'[[auth.publish_keys]]\nstream = "live/*"\nkey = "{KEY}"\n\n'
                  f'[[auth.publish_keys]]\nstream = "secure/*"\nkey = "{KEY}"\n\n'
                  f'[[srt.passphrases]]\napp = "secure"\npassphrase = "{PASSPHRASE}"\n')
        cls.server = server = cls.start_class_server(config=config)
        # SRT in: the key in the query form of the short stream id.
        cls.srt_in = cls.spawn_class("srt publisher", srt_publisher_argv(
            server, f"publish:live/srt-in?key={KEY}", cls.SECONDS))
        # RTMP in, to be read over SRT.
        cls.rtmp_in = cls.spawn_class("rtmp publisher", harness.publisher_argv(
            server.rtmp_url("live/rtmp-in", f"key={KEY}"), seconds=cls.SECONDS))
        server.wait_for_publish("live/srt-in")
        server.wait_for_publish("live/rtmp-in")
        hs.wait_for_playlist(server.http_port, "/live/srt-in/index.m3u8", lambda p: p.complete(), timeout=10)
        url = {
            "rtmp": server.rtmp_url("live/srt-in"),
            "http-flv": server.http_url("live/srt-in"),
            "hls": f"http://{HOST}:{server.http_port}/live/srt-in/index.m3u8",
            "srt": srt_url(server, "read:live/srt-in"),
            "srt read": srt_url(server, "read:live/rtmp-in"),
            "srt request": srt_url(server, "#!::r=live/rtmp-in,m=request"),
        }
        cls.urls = url
        cls.players = {name: cls.spawn_class(f"ffprobe {name}", ffprobe_argv(u, cls.READ)) for name, u in url.items()}
        cls.status = wait_all(cls.players.values(), time.monotonic() + cls.READ + 15)

    def probe(self, name):
        proc = self.players[name]
        self.assertEqual(self.status[proc], 0, f"ffprobe {self.urls[name]} ended with {self.status[proc]}: "
                                               f"{proc.stderr()[-600:]}")
        probe = Probe(proc.stdout_bytes().decode(), f"ffprobe {name} {self.urls[name]}")
        self.assert_h264_aac(probe)
        self.assert_dts_monotonic(probe)
        self.assertGreaterEqual(len(probe.packets_of("video")), FPS * (self.READ - 1), f"{probe.what}: video")
        self.assertGreaterEqual(len(probe.packets_of("audio")), 30 * (self.READ - 1), f"{probe.what}: audio")
        return probe

    # --- published over SRT

    def test_srt_publish_plays_over_rtmp(self):
        self.probe("rtmp")

    def test_srt_publish_plays_over_http_flv(self):
        self.probe("http-flv")

    def test_srt_publish_plays_over_hls(self):
        self.probe("hls")

    def test_srt_publish_plays_over_srt(self):
        self.probe("srt")

    def test_server_logged_the_srt_publish_and_its_codecs(self):
        self.server.wait_for_log(r"srt #\d+ 127\.0\.0\.1:\d+: publishing live/srt-in$")
        self.server.wait_for_log(r": live/srt-in: video H\.264 .* 640x360")

    # --- published over RTMP, read over SRT

    def test_rtmp_publish_reads_over_srt_with_read_stream_id(self):
        self.probe("srt read")

    def test_rtmp_publish_reads_over_srt_with_access_control_stream_id(self):
        self.probe("srt request")

    def test_srt_viewers_are_listed_as_srt_clients(self):
        lines = self.server.log_lines(r"srt #\d+ .*: playing live/(srt|rtmp)-in$")
        self.assertEqual(len(lines), 3, self.server.log())

    def test_api_lists_srt_clients_and_counts_srt_viewers(self):
        since = self.server.mark()
        publisher = self.spawn("api publisher", harness.publisher_argv(
            self.server.rtmp_url("live/api", f"key={KEY}"), seconds=6))
        self.server.wait_for_publish("live/api", since=since)
        viewer = self.spawn("srt viewer", harness.ffmpeg_null_argv(srt_url(self.server, "read:live/api")))
        self.server.wait_for_log(r"srt #\d+ .*: playing live/api$", since=since)
        clients = api_support.call(self.server, "GET", "/api/v1/clients").json
        mine = [c for c in clients["clients"] if c["protocol"] == "srt" and c["stream"] == "live/api"]
        self.assertEqual(len(mine), 1, clients)
        self.assertEqual((mine[0]["role"], mine[0]["output"]), ("viewer", "srt"), mine[0])
        deadline = time.monotonic() + 5
        while True:  # the stream view is refreshed in rounds
            stream = api_support.call(self.server, "GET", "/api/v1/streams/live/api").json
            if stream["viewers"]["srt"] == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(stream["viewers"]["srt"], 1, stream)
        self.assertEqual(publisher.wait(15), 0, publisher.stderr()[-500:])
        viewer.wait(10)

    # --- refusals

    def refused(self, stream_id, pattern, passphrase=None):
        since = self.server.mark()
        proc = self.spawn("refused publisher", srt_publisher_argv(self.server, stream_id, 2, passphrase))
        self.assertNotEqual(proc.wait(15), 0, f"ffmpeg publishing with stream id {stream_id!r} was let in")
        return self.server.wait_for_log(pattern, timeout=5, since=since)

    def test_stream_id_that_names_nothing_is_refused(self):
        self.refused("nonsense", r"srt 127\.0\.0\.1:\d+: refused: stream id \"nonsense\": .*not app/name")

    def test_bad_mode_is_refused(self):
        self.refused("#!::r=live/x,m=bidirectional", r"refused: stream id .*mode m=bidirectional is not offered")

    def test_wrong_stream_key_is_refused(self):
        self.refused("publish:live/x?key=wrong", r"refused: publish of live/x: wrong stream key for live/x")

    def test_missing_stream_key_is_refused(self):
        self.refused("#!::r=live/x,m=publish", r"refused: publish of live/x: live/x needs a stream key")

    def test_wrong_passphrase_is_refused(self):
        self.refused(f"publish:secure/x?key={KEY}",
                     r"srt 127\.0\.0\.1:\d+: refused: publish of secure/x: wrong passphrase \(app secure has one",
                     passphrase="not-the-right-one")

    def test_missing_passphrase_is_refused(self):
        self.refused(f"publish:secure/y?key={KEY}",
                     r"srt 127\.0\.0\.1:\d+: refused: publish of secure/y: no passphrase given \(app secure has one")

    def test_right_passphrase_publishes(self):
        since = self.server.mark()
        proc = self.spawn("secure publisher", srt_publisher_argv(
            self.server, f"#!::r=secure/cam,m=publish,key={KEY}", 3, PASSPHRASE))
        self.server.wait_for_publish("secure/cam", since=since)
        self.assertEqual(proc.wait(15), 0, proc.stderr()[-500:])

    def test_refusals_are_counted(self):
        # Counted in the metrics with the RTMP ones, by reason.
        self.refused("publish:live/z?key=nope", r"refused: publish of live/z")
        status, _, body = harness.http_exchange(
            self.server.http_port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)
        match = re.search(rb'reason="stream_key"\} (\d+)', body)
        self.assertIsNotNone(match, body[-2000:])
        self.assertGreaterEqual(int(match.group(1)), 1)


if __name__ == "__main__":
    unittest.main()
