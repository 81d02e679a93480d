"""HLS and LL-HLS while ffmpeg publishes over RTMP.

ffmpeg publishes 640x360 H.264 + AAC for SECONDS; as soon as the first segment is
listed, two ffmpeg players read READ seconds each, one of index.m3u8 (MPEG-TS
segments), one of ll.m3u8 (fMP4 with EXT-X-MAP); what they kept is checked by ffprobe:
both tracks, the resolution, timestamps that neither go back nor leave a hole.
Meanwhile, while the stream is live, the `test_live_*` methods check the LL-HLS
server side by hand: blocking playlist reloads and the held hinted part answer as soon
as the part exists, requests too far ahead are refused at once, unknown streams and
tricky paths get errors, segments answer HEAD and Range, and the cache headers differ
between playlists and media, and the multivariant playlist (master.m3u8) describes
the stream as ffprobe sees it.
"""

import json
import os
import re
import subprocess
import time
import unittest

from harness import (HEIGHT, WIDTH, FPS, IntegrationTest, Probe, probe_file, publisher_argv, tail)
import hls_support as hs


class HlsLive(IntegrationTest):
    SECONDS = 28  # the publish
    READ = 20     # what each player keeps
    BLOCK_TIMEOUT_MS = 4000
    MAX_GAP = 0.5  # seconds: a larger hole in a track's timestamps is a lost piece

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server(config=f"[hls]\nblock_timeout_ms = {cls.BLOCK_TIMEOUT_MS}\n")
        cls.stream = "live/hls"
        cls.port = cls.server.http_port
        cls.base = f"/{cls.stream}/"
        cls.publisher = cls.spawn_class("publisher", publisher_argv(cls.server.rtmp_url(cls.stream),
                                                                    seconds=cls.SECONDS))
        cls.server.wait_for_publish(cls.stream)
        cls.live_since = time.monotonic()
        # The players start once there is a complete segment to start with.
        hs.wait_for_playlist(cls.port, cls.base + "index.m3u8", lambda p: p.complete(), timeout=10)
        cls.readers, cls.outputs = {}, {}
        for kind, playlist in (("ts", "index.m3u8"), ("ll", "ll.m3u8")):
            url = f"http://127.0.0.1:{cls.port}{cls.base}{playlist}"
            cls.outputs[kind] = cls.workdir.file(f"hls-{kind}", "ts")
            cls.readers[kind] = cls.spawn_class(f"ffmpeg {playlist}",
                                                hs.ffmpeg_hls_copy_argv(url, cls.outputs[kind], cls.READ))

    # --- while live

    def assert_live(self):
        self.assertTrue(self.publisher.running(), "the publisher already stopped: this test ran too late")

    def newest_ll(self):
        playlist, _ = hs.get_playlist(self.port, self.base + "ll.m3u8")
        self.assertEqual(playlist.errors, [], str(playlist))
        self.assertIsNotNone(playlist.hinted(), f"no EXT-X-PRELOAD-HINT while live\n{playlist}")
        return playlist

    def test_live_multivariant_playlist_describes_the_stream(self):
        # What a player (Safari, a TV app) reads before it loads the media playlist.
        self.assert_live()
        status, headers, body = hs.raw_request(self.port, self.base + "master.m3u8")
        self.assertEqual(status, 200, body)
        lines = body.decode().splitlines()
        self.assertEqual(lines[0], "#EXTM3U", body)
        info = [line for line in lines if line.startswith("#EXT-X-STREAM-INF:")]
        self.assertEqual(len(info), 1, body)
        attributes = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', info[0][len("#EXT-X-STREAM-INF:"):]))
        self.assertEqual(lines[lines.index(info[0]) + 1], "ll.m3u8", body)
        self.assertEqual(attributes["RESOLUTION"], f"{WIDTH}x{HEIGHT}")
        peak, average = int(attributes["BANDWIDTH"]), int(attributes["AVERAGE-BANDWIDTH"])
        self.assertGreater(average, 10_000, body)
        self.assertGreaterEqual(peak, average, body)
        video_codec, audio_codec = attributes["CODECS"].strip('"').split(",")
        self.assertEqual(audio_codec, "mp4a.40.2")
        # avc1.PPCCLL: the profile and level ffprobe reads from the stream itself.
        out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json",
                              f"http://127.0.0.1:{self.port}{self.base}master.m3u8"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr[-600:])
        streams = {s["codec_type"]: s for s in json.loads(out.stdout)["streams"]}
        video = streams["video"]
        self.assertEqual((video["codec_name"], video["width"], video["height"]), ("h264", WIDTH, HEIGHT))
        self.assertEqual(streams["audio"]["codec_name"], "aac")
        profiles = {"Constrained Baseline": 66, "Baseline": 66, "Main": 77, "High": 100}
        self.assertRegex(video_codec, r"^avc1\.[0-9a-f]{6}$")
        self.assertEqual(int(video_codec[5:7], 16), profiles[video["profile"]], f"{video_codec} vs {video['profile']}")
        self.assertEqual(int(video_codec[9:11], 16), video["level"], f"{video_codec} vs level {video['level']}")
        # Bit rate: within reach of what ffprobe measures over the stream (boxes cost a little).
        if "bit_rate" in video:
            self.assertLess(average, 4 * (int(video["bit_rate"]) + 200_000), body)

    def test_live_blocking_reload_returns_when_the_hinted_part_exists(self):
        self.assert_live()
        playlist = self.newest_ll()
        part_target = playlist.part_target
        took = []
        for _ in range(6):
            msn, part = playlist.hinted()
            name = playlist.hint
            reply = hs.request(self.port, f"{self.base}ll.m3u8?_HLS_msn={msn}&_HLS_part={part}")
            self.assertEqual(reply.status, 200, f"blocking reload for {name}: {reply}")
            took.append(reply.seconds)
            self.assertLess(reply.seconds, 1.0, f"blocking reload for {name} took {reply.seconds:.3f} s "
                                                f"(parts last {part_target} s)")
            playlist = hs.Playlist(reply.text, f"ll.m3u8 blocked on {name}")
            self.assertEqual(playlist.errors, [], str(playlist))
            self.assertIn(name, playlist.part_uris(), f"the reload blocked on {name} came without it\n{playlist}")
            self.assertIsNotNone(playlist.hinted(), str(playlist))
            self.assertNotEqual(playlist.hint, name, f"the hint did not move on\n{playlist}")
        # Blocking reloads come back about once a part: neither at once (then they did
        # not block) nor late.
        average = sum(took) / len(took)
        self.assertLess(average, part_target * 1.5, f"blocking reloads took {took}")
        self.assertGreater(sum(took), part_target * 2, f"blocking reloads did not block: {took}")
        print(f"\nLL-HLS blocking reload: {', '.join(f'{t:.3f}' for t in took)} s (part target {part_target} s)")

    def test_live_hinted_part_is_held_until_it_exists(self):
        self.assert_live()
        for _ in range(3):
            playlist = self.newest_ll()
            reply = hs.request(self.port, self.base + playlist.hint)
            self.assertEqual(reply.status, 200, f"GET the hinted {playlist.hint}: {reply}")
            self.assertLess(reply.seconds, 1.0, f"the hinted part came after {reply.seconds:.3f} s")
            self.assertEqual(reply.header("content-type"), "video/mp4")
            self.assertIn(reply.body[4:8], (b"moof", b"styp"), f"a part that is not a fragment: {reply}")
            # And it is then listed, as the part it was announced as.
            after, _ = hs.get_playlist(self.port, self.base + "ll.m3u8")
            self.assertIn(playlist.hint, after.part_uris(), str(after))

    def test_live_requests_too_far_ahead_are_refused_at_once(self):
        self.assert_live()
        playlist = self.newest_ll()
        # Four ahead, not three (the first refused): a segment may start between the
        # playlist read and these requests (it did under ASan). The unit tests hold the
        # exact limit.
        newest = playlist.newest().msn
        for path in (f"ll.m3u8?_HLS_msn={newest + 4}",
                     f"ll.m3u8?_HLS_msn={newest + 10}&_HLS_part=0",
                     f"ll.m3u8?_HLS_msn=999999999&_HLS_part=1",
                     f"{playlist.epoch}-{newest + 10}.0.m4s",
                     f"{playlist.epoch}-{newest + 4}.0.m4s"):
            reply = hs.request(self.port, self.base + path)
            self.assertEqual(reply.status, 400, f"{path}: {reply}")
            self.assertLess(reply.seconds, 0.5, f"{path} was held {reply.seconds:.3f} s before the 400")
        for path in ("ll.m3u8?_HLS_part=1", "ll.m3u8?_HLS_msn=abc", "ll.m3u8?_HLS_msn=1&_HLS_part=-1",
                     "ll.m3u8?_HLS_msn=99999999999999999999999"):
            reply = hs.request(self.port, self.base + path)
            self.assertEqual(reply.status, 400, f"{path}: {reply}")
            self.assertLess(reply.seconds, 0.5, f"{path}: {reply}")

    def test_live_blocking_reload_past_the_advance_part_limit_is_refused(self):
        # RFC 8216bis 6.2.5.2: "if the _HLS_part exceeds the last Partial Segment in the
        # current Playlist by the Advance Part Limit [3 / PART-TARGET], then the server
        # SHOULD immediately return Bad Request, such as HTTP 400".
        self.assert_live()
        playlist = self.newest_ll()
        msn, part = playlist.hinted()
        path = f"ll.m3u8?_HLS_msn={msn}&_HLS_part={part + 50}"
        reply = hs.request(self.port, self.base + path)
        self.assertEqual((reply.status, reply.seconds < 0.5), (400, True),
                         f"{path}, 50 parts past the newest one: answered {reply.status} after "
                         f"{reply.seconds:.3f} s (held until its segment completed or block_timeout_ms), "
                         f"not refused at once")

    def test_live_segments_answer_head_and_range(self):
        self.assert_live()
        playlist, _ = hs.get_playlist(self.port, self.base + "index.m3u8")
        uri = playlist.complete()[-1].uri
        full = hs.request(self.port, self.base + uri)
        self.assertEqual(full.status, 200, f"{uri}: {full}")
        size = len(full.body)
        self.assertEqual(size % 188, 0)
        self.assertEqual(full.header("content-type"), "video/mp2t")
        self.assertEqual(full.header("accept-ranges"), "bytes")
        self.assertTrue(full.header("etag"), "no ETag on a segment")
        self.assertEqual(int(full.header("content-length")), size)

        head = hs.request(self.port, self.base + uri, method="HEAD")
        self.assertEqual(head.status, 200, f"HEAD {uri}: {head}")
        self.assertEqual(int(head.header("content-length")), size)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.header("etag"), full.header("etag"))

        for spec, first, last in (("0-187", 0, 187), ("188-", 188, size - 1), ("-376", size - 376, size - 1),
                                  (f"1000-{size * 2}", 1000, size - 1)):
            part = hs.request(self.port, self.base + uri, headers={"Range": f"bytes={spec}"})
            self.assertEqual(part.status, 206, f"Range bytes={spec}: {part}")
            self.assertEqual(part.header("content-range"), f"bytes {first}-{last}/{size}")
            self.assertEqual(part.body, full.body[first:last + 1], f"Range bytes={spec}: other bytes")
        unsatisfiable = hs.request(self.port, self.base + uri, headers={"Range": f"bytes={size}-"})
        self.assertEqual(unsatisfiable.status, 416, str(unsatisfiable))
        self.assertEqual(unsatisfiable.header("content-range"), f"bytes */{size}")

        # An fMP4 segment is served as its parts back to back: a range across the
        # boundary between the first two parts.
        ll = self.newest_ll()
        seg = next(s for s in ll.segments if s.uri and len(s.parts) >= 2)
        m4s = hs.request(self.port, self.base + seg.uri)
        first_part = hs.request(self.port, self.base + seg.parts[0].uri)
        self.assertEqual((m4s.status, first_part.status), (200, 200))
        self.assertTrue(m4s.body.startswith(first_part.body), "the segment does not begin with its first part")
        cut = len(first_part.body)
        across = hs.request(self.port, self.base + seg.uri, headers={"Range": f"bytes={cut - 10}-{cut + 9}"})
        self.assertEqual(across.status, 206)
        self.assertEqual(across.body, m4s.body[cut - 10:cut + 10])
        head = hs.request(self.port, self.base + seg.uri, method="HEAD")
        self.assertEqual(int(head.header("content-length")), len(m4s.body))

    def test_live_cache_headers_of_playlists_and_media(self):
        self.assert_live()
        for name in ("index.m3u8", "ll.m3u8"):
            reply = hs.request(self.port, self.base + name)
            self.assertEqual(reply.status, 200)
            self.assertIn(reply.header("content-type"), hs.PLAYLIST_TYPES, name)
            cache = reply.header("cache-control") or ""
            self.assertNotIn("immutable", cache, f"{name}: Cache-Control: {cache}")
            max_age = [int(v.split("=")[1]) for v in cache.replace(" ", "").split(",") if v.startswith("max-age=")]
            self.assertTrue("no-cache" in cache or "no-store" in cache or (max_age and max_age[0] <= 1),
                            f"a live playlist may be cached: Cache-Control: {cache}")
        ll = self.newest_ll()
        seg = next(s for s in ll.segments if s.uri and s.parts)
        ts, _ = hs.get_playlist(self.port, self.base + "index.m3u8")
        for name, content_type in ((ts.complete()[-1].uri, "video/mp2t"), (seg.uri, "video/mp4"),
                                   (seg.parts[0].uri, "video/mp4"), (ll.maps[-1], "video/mp4")):
            reply = hs.request(self.port, self.base + name)
            self.assertEqual(reply.status, 200, f"{name}: {reply}")
            self.assertEqual(reply.header("content-type"), content_type, name)
            cache = reply.header("cache-control") or ""
            self.assertIn("immutable", cache, f"{name}: Cache-Control: {cache}")
            self.assertIn("max-age=", cache, f"{name}: Cache-Control: {cache}")
        # Everything listed is there.
        for p in (ll, ts):
            for s in p.segments:
                for name in [s.uri] * bool(s.uri) + [part.uri for part in s.parts]:
                    reply = hs.request(self.port, self.base + name, method="HEAD")
                    self.assertEqual(reply.status, 200, f"{name}, listed in {p.what}: {reply}")

    def test_live_cors_lets_a_player_on_another_origin_read_everything(self):
        self.assert_live()
        origin = {"Origin": "http://player.example"}
        ll = self.newest_ll()
        seg = next(s for s in ll.segments if s.uri and s.parts)
        for name in ("index.m3u8", "ll.m3u8", seg.uri, seg.parts[0].uri, ll.maps[-1]):
            reply = hs.request(self.port, self.base + name, headers=origin)
            self.assertEqual(reply.status, 200, f"{name}: {reply}")
            self.assertEqual(reply.header("access-control-allow-origin"), "*",
                             f"{name}: a page on another origin may not read it: {reply.headers}")
        # Errors too, so that the player sees the status instead of a CORS failure.
        missing = hs.request(self.port, "/live/nosuch/ll.m3u8", headers=origin)
        self.assertEqual(missing.status, 404)
        self.assertEqual(missing.header("access-control-allow-origin"), "*", missing.headers)
        # The preflight a browser sends before a request with Range or custom headers.
        preflight = hs.request(self.port, self.base + seg.parts[0].uri, method="OPTIONS",
                               headers={**origin, "Access-Control-Request-Method": "GET",
                                        "Access-Control-Request-Headers": "range"})
        self.assertIn(preflight.status, (200, 204), f"OPTIONS: {preflight}")
        self.assertEqual(preflight.header("access-control-allow-origin"), "*", preflight.headers)
        self.assertIn("GET", preflight.header("access-control-allow-methods") or "", preflight.headers)
        allowed = (preflight.header("access-control-allow-headers") or "").lower()
        self.assertTrue(allowed == "*" or "range" in allowed, f"Range not allowed: {preflight.headers}")

    def test_live_unknown_streams_and_files_are_404(self):
        self.assert_live()
        ts, _ = hs.get_playlist(self.port, self.base + "index.m3u8")
        for path in ("/live/nosuch/index.m3u8", "/live/nosuch/ll.m3u8",
                     "/live/nosuch/ll.m3u8?_HLS_msn=1&_HLS_part=0", f"/live/nosuch/{ts.complete()[0].uri}",
                     "/other/hls/index.m3u8", self.base + "nonsense.ts", self.base + "main.m3u8",
                     "/live/nosuch/master.m3u8",
                     self.base + "00000000-0.ts", self.base + f"{ts.epoch}-0.0.ts",
                     self.base + f"{ts.epoch}-init9.mp4"):
            reply = hs.request(self.port, path)
            self.assertEqual(reply.status, 404, f"{path}: {reply}")
            self.assertLess(reply.seconds, 0.5, f"{path}: {reply}")
            # A short reason a person can read, not an empty page.
            self.assertTrue(0 < len(reply.text.strip()) < 200, f"{path}: {reply}")
        self.assertIn("not being published", hs.request(self.port, "/live/nosuch/ll.m3u8").text)

    def test_live_tricky_paths_are_refused(self):
        self.assert_live()
        for target in ("/live/hls/../hls/index.m3u8", "/live/../live/hls/index.m3u8", "/../../../../etc/passwd",
                       "/live/hls/%2e%2e/%2e%2e/etc/passwd", "/live/hls/..%2f..%2fetc%2fpasswd",
                       "/live/hls/..", "/live/hls/.", "/live/hls//index.m3u8", "/live//hls/index.m3u8",
                       "/live/hls/index.m3u8/..", "/live/hls/index.m3u8%00", "/live/hls/.index.m3u8",
                       "/live/hls/..index.m3u8", "/live/hls/index.m3u8/", "/live/hls\\index.m3u8",
                       "/./live/hls/index.m3u8", "/live/./hls/index.m3u8",
                       "/live/hls/" + "a" * 300 + ".ts", "/live/hls/a/b/c.ts",
                       "/etc/passwd/x/y", "//live/hls/index.m3u8"):
            status, head, body = hs.raw_request(self.port, target)
            self.assertIn(status, (400, 404), f"{target!r}: {head!r} {body[:200]!r}")
            self.assertNotIn(b"root:", body, f"{target!r} served a file of the host")
            self.assertNotIn(b"#EXTM3U", body, f"{target!r} was taken for a playlist")
        # Still serving.
        self.assertTrue(self.server.alive())
        status, _, body = hs.raw_request(self.port, self.base + "index.m3u8")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"#EXTM3U"))

    # --- the players (they finish about READ + 4 s after the publish started)

    def reader_probe(self, kind):
        reader = self.readers[kind]
        status = reader.exited_within(self.live_since + self.SECONDS + 15 - time.monotonic())
        self.assertEqual(status, 0, f"ffmpeg reading {kind} HLS ended with {status} (None: still running)\n"
                                    f"{tail(reader.stderr(), 15)}")
        self.assertGreater(os.path.getsize(self.outputs[kind]), 0, "ffmpeg kept nothing")
        return probe_file(self.outputs[kind])

    def check_player(self, kind):
        probe = self.reader_probe(kind)
        probe.what = f"ffmpeg reading {'index.m3u8' if kind == 'ts' else 'll.m3u8'}"
        self.assert_h264_aac(probe)
        video, audio = probe.packets_of("video"), probe.packets_of("audio")
        self.assertTrue(video[0].get("flags", "").startswith("K"), f"{probe.what}: first video packet: {video[0]}")
        for track in ("video", "audio"):
            problems = hs.timestamp_problems(probe, track, self.MAX_GAP)
            self.assertEqual(problems, [], f"{probe.what}: {track} timestamps")
            times = [Probe.seconds(p, "dts") for p in probe.packets_of(track)]
            span = max(times) - min(times)
            self.assertGreaterEqual(span, self.READ - 1, f"{probe.what}: {track} spans only {span:.2f} s")
        # No frame lost or doubled: the count matches the rate.
        span = Probe.seconds(video[-1], "dts") - Probe.seconds(video[0], "dts") + 1 / FPS
        self.assertAlmostEqual(len(video), span * FPS, delta=2, msg=f"{probe.what}: {len(video)} video "
                                                                    f"packets over {span:.2f} s")
        self.assertGreater(len(audio), span * 40, f"{probe.what}: {len(audio)} audio packets over {span:.2f} s")

    def test_player_reads_index_m3u8_h264_aac_without_holes(self):
        self.check_player("ts")

    def test_player_reads_ll_m3u8_h264_aac_without_holes(self):
        self.check_player("ll")


class HlsHostileNames(IntegrationTest):
    """Names a player never asks for, with numbers past 32 bits, on their own server
    (one that crashes on them must not take the other tests down)."""

    def test_part_and_init_numbers_past_32_bits_are_404(self):
        server = self.start_server()
        stream, port = "live/hostile", server.http_port
        base = f"/{stream}/"
        self.spawn("publisher", publisher_argv(server.rtmp_url(stream), seconds=8))
        server.wait_for_publish(stream)
        ll = hs.wait_for_playlist(port, base + "ll.m3u8", lambda p: p.newest() and len(p.newest().parts) >= 1,
                                  timeout=10)
        msn = ll.newest().msn
        for name in (f"{ll.epoch}-{msn}.{2 ** 32}.m4s", f"{ll.epoch}-{msn}.{2 ** 32 + 1}.m4s",
                     f"{ll.epoch}-init{2 ** 32 + 1}.mp4", f"{ll.epoch}-{msn}.{2 ** 64}.m4s"):
            try:
                reply = hs.request(port, base + name, timeout=8)
            except (ConnectionError, OSError) as e:
                reply = e
            self.assertTrue(server.alive(), f"GET {name} crashed the server ({reply!r})")
            self.assertIsInstance(reply, hs.Reply, f"GET {name}: {reply!r}")
            self.assertIn(reply.status, (400, 404), f"GET {name}: {reply}")
        status, _, _ = hs.raw_request(port, base + "ll.m3u8")
        self.assertEqual(status, 200)


class HlsDirectory(IntegrationTest):
    """hls.directory: classic HLS also written to disk, for people who serve it with a
    web server of their own: the same playlist and bytes as over HTTP, files that
    appear whole, segments that leave the window deleted, nothing outside the
    stream's folder."""

    SECONDS = 10
    WINDOW = 2

    def test_classic_hls_is_mirrored_to_the_directory(self):
        root = os.path.join(self.workdir.path, "hls-out")
        server = self.start_server(config=f'[hls]\ndirectory = "{root}"\nsegment_ms = 1000\nwindow = {self.WINDOW}\n')
        stream, port = "live/disk", server.http_port
        folder = os.path.join(root, "live", "disk")
        self.spawn("publisher", publisher_argv(server.rtmp_url(stream), seconds=self.SECONDS))
        server.wait_for_publish(stream)
        deadline = time.monotonic() + self.SECONDS + 5
        checked = 0
        seen = set()
        while time.monotonic() < deadline and checked < 3:
            time.sleep(0.5)
            try:
                with open(os.path.join(folder, "index.m3u8")) as f:
                    on_disk = f.read()
            except FileNotFoundError:
                continue
            playlist = hs.Playlist(on_disk, "index.m3u8 on disk")
            self.assertEqual(playlist.errors, [], str(playlist))
            listed = [s.uri for s in playlist.complete()]
            if not listed or playlist.complete()[0].msn < 3:
                continue  # until the window has slid past the first segments
            reply = hs.request(port, f"/{stream}/index.m3u8")
            if reply.text != on_disk:
                continue  # a segment was cut between the two reads
            self.assertLessEqual(len(listed), self.WINDOW, on_disk)
            for uri in listed:
                with open(os.path.join(folder, uri), "rb") as f:
                    data = f.read()
                served = hs.request(port, f"/{stream}/{uri}")
                self.assertEqual(served.status, 200, uri)
                self.assertEqual(data, served.body, f"{uri} on disk differs from what is served")
            files = set(os.listdir(folder))
            seen |= files
            self.assertEqual([f for f in files if f.startswith(".")], [], f"temporary files left: {files}")
            segments = {f for f in files if f.endswith(".ts")}
            # The window, and the one segment before it that players fetching late may want.
            self.assertLessEqual(len(segments), self.WINDOW + 1, f"old segments not deleted: {sorted(segments)}")
            self.assertTrue(set(listed) <= segments)
            checked += 1
        self.assertEqual(checked, 3, f"the directory never matched the HTTP playlist; seen {sorted(seen)}")
        self.assertEqual(os.listdir(root), ["live"])
        self.assertEqual(os.listdir(os.path.join(root, "live")), ["disk"])


if __name__ == "__main__":
    unittest.main()
