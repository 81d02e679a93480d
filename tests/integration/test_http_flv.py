"""ffmpeg publishes over RTMP; ffprobe, ffmpeg and curl play it over HTTP-FLV."""

import unittest

import harness
from harness import FLV_SCRIPT


class HttpFlvPlayTest(harness.PlaybackTest):
    PROTOCOL = "http"

    @classmethod
    def start_more_players(cls):
        cls.capture = cls.workdir.file("curl", "flv")
        cls.curl_headers = cls.workdir.file("curl", "headers")
        argv = harness.curl_argv(cls.url, cls.capture, max_seconds=cls.SECONDS + 20)
        return {"curl": cls.spawn_class("curl", argv[:1] + ["-D", cls.curl_headers] + argv[1:])}

    def curl_capture(self):
        proc = self.players["curl"]
        self.assertEqual(self.status[proc], 0, f"curl ended with {self.status[proc]} (None: still running "
                                               f"{self.END_GRACE} s after the publisher stopped): {proc.stderr()}")
        self.assertEqual(proc.stdout_bytes().decode(), "200", "HTTP status")
        return harness.read_flv(self.capture, f"curl {self.url}")

    def test_response_is_a_chunked_flv_stream(self):
        self.curl_capture()
        with open(self.curl_headers) as f:
            head = f.read().lower()
        self.assertIn("content-type: video/x-flv", head)
        # No length is known in advance: the end of a live stream is the end of the chunks.
        self.assertIn("transfer-encoding: chunked", head)
        self.assertNotIn("content-length", head)

    def test_curl_capture_is_the_whole_stream_as_flv(self):
        flv = self.curl_capture()
        # curl exits 0 only for a properly terminated chunked body; the FLV inside ends
        # with a whole tag.
        self.assertEqual(flv.leftover, 0, f"{flv.leftover} bytes of a cut tag at the end")
        self.assertEqual(flv.tags[0].type, FLV_SCRIPT, "onMetaData comes first")
        self.assert_flv_stream(flv, start_at_most=harness.EARLY_JOIN, end_seconds=self.SECONDS)

    def test_not_published_stream_is_404(self):
        status, _, body = harness.http_exchange(
            self.server.http_port, b"GET /live/nothing-here.flv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 404)
        self.assertIn(b"live/nothing-here is not being published", body)

    def test_server_logged_every_viewer(self):
        lines = self.server.log_lines(r": playing live/http-play over HTTP-FLV$")
        self.assertEqual(len(lines), 4, self.server.log())
        self.assertEqual(len(self.server.log_lines(r": stopped playing live/http-play: ")), 4, self.server.log())


if __name__ == "__main__":
    unittest.main()
