"""HLS across a publisher restart.

A publisher that comes back within [hls] linger_ms continues the same playlists (same
epoch in the names, media sequence counting on) after an EXT-X-DISCONTINUITY, so
players keep playing; after linger_ms the stream starts over with new names. Between
the two publishes, blocked requests are not held for a part no one will make.
"""

import time
import unittest

from harness import IntegrationTest, publisher_argv
import hls_support as hs


class HlsRepublish(IntegrationTest):
    PUBLISH = 6  # seconds, each time

    def publish(self, server, stream, seconds):
        since = server.mark()
        publisher = self.spawn("publisher", publisher_argv(server.rtmp_url(stream), seconds=seconds))
        server.wait_for_publish(stream, since=since)
        return publisher

    def test_restart_within_linger_continues_after_a_discontinuity(self):
        server = self.start_server(config="[hls]\nlinger_ms = 60000\n")
        stream, port = "live/again", server.http_port
        base = f"/{stream}/"
        first = self.publish(server, stream, self.PUBLISH)
        self.assertEqual(first.wait(self.PUBLISH + 15), 0, first.stderr())

        # The publisher left: the last segment is closed, nothing is hinted any more, and a
        # blocking reload for what would have come next is answered at once.
        ended = hs.wait_for_playlist(port, base + "ll.m3u8", lambda p: p.hint is None, timeout=5)
        self.assertEqual(ended.errors, [], str(ended))
        self.assertTrue(ended.segments[-1].uri, f"the last segment is still open after the end\n{ended}")
        last_msn = ended.segments[-1].msn
        reply = hs.request(port, f"{base}ll.m3u8?_HLS_msn={last_msn + 1}&_HLS_part=0")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertLess(reply.seconds, 0.5, f"a blocking reload on a stopped stream was held {reply.seconds:.3f} s")
        reply = hs.request(port, f"{base}{ended.epoch}-{last_msn + 1}.0.m4s")
        self.assertEqual(reply.status, 404, f"a part of a stopped stream: {reply}")
        self.assertLess(reply.seconds, 0.5)
        ts_ended, _ = hs.get_playlist(port, base + "index.m3u8")
        self.assertEqual(ts_ended.segments[-1].msn, last_msn, str(ts_ended))

        second = self.publish(server, stream, self.PUBLISH)
        try:
            for name in ("index.m3u8", "ll.m3u8"):
                after = hs.wait_for_playlist(
                    port, base + name, lambda p: any(s.msn == last_msn + 2 and s.uri for s in p.segments),
                    timeout=self.PUBLISH + 5)
                self.assertEqual(after.errors, [], str(after))
                self.assertEqual(after.epoch, ended.epoch, f"{name}: the names changed: players lose the stream")
                by_msn = {s.msn: s for s in after.segments}
                self.assertIn(last_msn, by_msn, f"{name}: the old segments are gone\n{after}")
                self.assertIn(last_msn + 1, by_msn, f"{name}: the media sequence does not continue\n{after}")
                self.assertTrue(by_msn[last_msn + 1].discontinuity,
                                f"{name}: no EXT-X-DISCONTINUITY before the new publish's first segment\n{after}")
                self.assertFalse(by_msn[last_msn + 2].discontinuity, str(after))
                self.assertGreater(by_msn[last_msn + 1].pdt, by_msn[last_msn].pdt,
                                   f"{name}: PROGRAM-DATE-TIME went back\n{after}")
                if name == "ll.m3u8":
                    self.assertEqual(len(set(after.maps)), 1, f"same encoder settings, same EXT-X-MAP\n{after}")
                    self.assertIsNotNone(after.hint, f"live again, but no EXT-X-PRELOAD-HINT\n{after}")
                for s in after.segments:
                    if s.uri:
                        self.assertEqual(hs.request(port, base + s.uri, method="HEAD").status, 200, s.uri)
        finally:
            second.kill()

    def test_restart_after_linger_starts_a_new_playlist(self):
        server = self.start_server(config="[hls]\nlinger_ms = 500\n")
        stream, port = "live/later", server.http_port
        base = f"/{stream}/"
        first = self.publish(server, stream, 4)
        self.assertEqual(first.wait(4 + 15), 0, first.stderr())
        before, _ = hs.get_playlist(port, base + "index.m3u8")
        time.sleep(1.0)
        gone = hs.request(port, base + "index.m3u8")
        self.assertEqual(gone.status, 404, f"the playlist outlived linger_ms: {gone}")
        second = self.publish(server, stream, 5)
        try:
            after = hs.wait_for_playlist(port, base + "index.m3u8", lambda p: p.complete(), timeout=8)
            self.assertEqual(after.errors, [], str(after))
            self.assertNotEqual(after.epoch, before.epoch, "a new playlist reuses the old names")
            self.assertEqual(after.media_sequence, 0, str(after))
            self.assertFalse(any(s.discontinuity for s in after.segments), str(after))
            old = hs.request(port, f"{base}{before.complete()[0].uri}")
            self.assertEqual(old.status, 404, f"a segment of the old playlist: {old}")
        finally:
            second.kill()


if __name__ == "__main__":
    unittest.main()
