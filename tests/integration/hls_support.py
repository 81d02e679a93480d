"""What the HLS integration tests need beyond harness.py: timed HTTP requests on
127.0.0.1, a light reader of the media playlists relaycast serves (index.m3u8 and
ll.m3u8), and ffmpeg as an HLS player that keeps what it read.

The full grammar of the playlists is checked by the unit tests
(tests/unit/hls/hls_test_support.hpp); here only what a player relies on is read.
"""

import http.client
import re
import socket
import time

from harness import HOST

PLAYLIST_TYPES = ("application/vnd.apple.mpegurl", "audio/mpegurl")


class Reply:
    """One HTTP exchange: status, headers (lower-case names), body, seconds it took."""

    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<HTTP {self.status} in {self.seconds:.3f} s, {len(self.body)} bytes: {self.body[:120]!r}>"


def request(port, path, method="GET", headers=None, timeout=15.0):
    """A request on a fresh connection; the reply and how long it took to arrive."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, time.monotonic() - started)
    finally:
        conn.close()


def raw_request(port, target, timeout=5.0, method="GET"):
    """Sends a request line with `target` exactly as given (no quoting, no
    normalisation, as a hostile client would); returns (status or None, head, body)."""
    data = f"{method} {target} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode("latin-1")
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(data)
        received = b""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    head, _, body = received.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else None), head.decode("latin-1"), body


# ---------------------------------------------------------------------------
# Media playlists

_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def attributes(text):
    return {k: v.strip('"') for k, v in _ATTR.findall(text)}


class Part:
    def __init__(self, uri, duration, independent):
        self.uri, self.duration, self.independent = uri, duration, independent


class Segment:
    def __init__(self):
        self.msn = None
        self.uri = None
        self.duration = None  # EXTINF; None while the segment is being made
        self.discontinuity = False
        self.pdt = None
        self.map = None
        self.parts = []


class Playlist:
    """A media playlist as relaycast writes it; `errors` lists what a player would
    trip over."""

    def __init__(self, text, what="playlist"):
        self.text, self.what = text, what
        self.errors = []
        self.tags = {}
        self.segments = []
        self.maps = []
        self.hint = None
        lines = text.splitlines()
        if not lines or lines[0] != "#EXTM3U":
            self.errors.append("does not start with #EXTM3U")
        current, current_map = Segment(), None
        for line in lines[1:]:
            if not line:
                continue
            if not line.startswith("#"):
                current.uri = line
                current.map = current_map
                self.segments.append(current)
                current = Segment()
                continue
            tag, _, value = line[1:].partition(":")
            if tag == "EXTINF":
                current.duration = float(value.split(",")[0])
            elif tag == "EXT-X-DISCONTINUITY":
                current.discontinuity = True
            elif tag == "EXT-X-PROGRAM-DATE-TIME":
                current.pdt = value
            elif tag == "EXT-X-MAP":
                current_map = attributes(value)["URI"]
                self.maps.append(current_map)
            elif tag == "EXT-X-PART":
                a = attributes(value)
                current.parts.append(Part(a["URI"], float(a["DURATION"]), a.get("INDEPENDENT") == "YES"))
            elif tag == "EXT-X-PRELOAD-HINT":
                self.hint = attributes(value).get("URI")
            else:
                self.tags[tag] = value
        if current.parts:  # the segment being made: parts only
            current.map = current_map
            self.segments.append(current)
        self.epoch = None
        for seg in self.segments:
            name = seg.uri or (seg.parts[0].uri if seg.parts else "")
            m = re.match(r"([0-9a-f]+)-(\d+)\.", name)
            if not m:
                self.errors.append(f"unexpected media name {name!r}")
                continue
            self.epoch = self.epoch or m.group(1)
            seg.msn = int(m.group(2))
        if "EXT-X-MEDIA-SEQUENCE" not in self.tags:
            self.errors.append("no EXT-X-MEDIA-SEQUENCE")
        elif self.segments and self.segments[0].msn != self.media_sequence:
            self.errors.append(f"MEDIA-SEQUENCE {self.media_sequence}, first segment {self.segments[0].msn}")
        for a, b in zip(self.segments, self.segments[1:]):
            if b.msn != a.msn + 1:
                self.errors.append(f"segment {b.msn} follows {a.msn}")

    @property
    def media_sequence(self):
        return int(self.tags.get("EXT-X-MEDIA-SEQUENCE", "-1"))

    @property
    def target_duration(self):
        return int(self.tags.get("EXT-X-TARGETDURATION", "-1"))

    @property
    def part_target(self):
        return float(attributes(self.tags.get("EXT-X-PART-INF", "")).get("PART-TARGET", "nan"))

    def complete(self):
        return [s for s in self.segments if s.uri]

    def newest(self):
        return self.segments[-1] if self.segments else None

    def hinted(self):
        """(msn, part) of EXT-X-PRELOAD-HINT, or None."""
        m = re.match(r"[0-9a-f]+-(\d+)\.(\d+)\.m4s$", self.hint or "")
        return (int(m.group(1)), int(m.group(2))) if m else None

    def part_uris(self):
        return [p.uri for s in self.segments for p in s.parts]

    def __str__(self):
        return f"--- {self.what}:\n{self.text}"


def get_playlist(port, path, what=None):
    reply = request(port, path)
    if reply.status != 200:
        raise AssertionError(f"GET {path}: {reply}")
    return Playlist(reply.text, what or path), reply


def wait_for_playlist(port, path, ready, timeout):
    """Polls `path` until `ready(playlist)`; the playlist. Fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        reply = request(port, path)
        if reply.status == 200:
            last = Playlist(reply.text, path)
            if ready(last):
                return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} not ready after {timeout} s; last answer {reply}\n{last or ''}")
        time.sleep(0.1)


# ---------------------------------------------------------------------------
# Players


def ffmpeg_hls_copy_argv(url, out, seconds):
    """ffmpeg as an HLS player that keeps `seconds` of what it reads, as MPEG-TS. It
    starts where ffmpeg starts a live playlist (three segments from its end)."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", url,
            "-t", str(seconds), "-c", "copy", "-f", "mpegts", out]


def timestamp_problems(probe, kind, max_gap):
    """Where the `kind` packets of an ffprobe go backwards in dts or leave a hole longer
    than `max_gap` seconds: a list of readable lines."""
    dts = [(i, probe.seconds(p, "dts")) for i, p in enumerate(probe.packets_of(kind))]
    problems = [f"packet {i} has no dts" for i, t in dts if t is None]
    dts = [(i, t) for i, t in dts if t is not None]
    for (_, a), (j, b) in zip(dts, dts[1:]):
        if b < a:
            problems.append(f"{kind} packet {j}: dts {b:.3f} after {a:.3f} (backwards)")
        elif b - a > max_gap:
            problems.append(f"{kind} packet {j}: dts {b:.3f} after {a:.3f} (a {b - a:.3f} s hole)")
    return problems
