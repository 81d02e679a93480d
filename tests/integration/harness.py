"""What every integration test needs: a relaycast server on free loopback ports,
ffmpeg publishers of a generated test pattern, players (ffprobe, ffmpeg, curl,
rtmpdump) whose output is parsed, an FLV reader, and a tiny raw RTMP client for
sending what no real client would.

Every child process is bounded by a timeout and killed in cleanup; everything
listens and connects on 127.0.0.1 only. A failing test prints the tail of the
server's log and of the clients' stderr.

Environment:
  RELAYCAST_BIN              the server binary (CTest sets it)
  RELAYCAST_KEEP_TEST_DIRS   keep the temporary directories (logs, recordings)
"""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))

# What the publisher sends, and what the assertions expect of it.
WIDTH, HEIGHT, FPS = 640, 360, 25
SAMPLE_RATE = 44100
AAC_FRAME_SAMPLES = 1024
# A player started as soon as a stream is live starts at one of its first keyframes
# (one a second); on a loaded machine it may take a while to connect.
EARLY_JOIN = 3.0


def relaycast_bin():
    path = os.environ.get("RELAYCAST_BIN")
    if path:
        return path
    for build in ("build", "build-it"):
        candidate = os.path.join(HERE, "..", "..", build, "relaycast")
        if os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    raise unittest.SkipTest("set RELAYCAST_BIN to the relaycast binary (CTest does)")


def free_ports(n):
    """n distinct ports the kernel just handed out, all free when this returns.

    The sockets stay open until all n are chosen, so the same port is not given
    twice; another process may still take one before the server binds it, which
    Server.start answers by trying new ports.
    """
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_udp_port():
    """A UDP port the kernel just handed out (for SRT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


class WorkDir:
    """A temporary directory for one test class: configs, logs, recordings."""

    def __init__(self, label):
        self.path = tempfile.mkdtemp(prefix=f"relaycast-it-{label}-")
        self._counter = 0

    def file(self, stem, ext):
        self._counter += 1
        return os.path.join(self.path, f"{self._counter:03d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', stem)}.{ext}")

    def remove(self):
        if not os.environ.get("RELAYCAST_KEEP_TEST_DIRS"):
            shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------
# Child processes


class Proc:
    """A child process with stdout and stderr in files; waits are bounded."""

    def __init__(self, name, argv, workdir, stdout_path=None):
        self.name = name
        self.argv = argv
        self.stdout_path = stdout_path or workdir.file(name, "out")
        self.stderr_path = workdir.file(name, "err")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.started = time.monotonic()

    @property
    def returncode(self):
        return self.popen.poll()

    def running(self):
        return self.popen.poll() is None

    def wait(self, timeout):
        """The exit status; fails the test (after killing it) if it runs longer."""
        try:
            return self.popen.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"{self.name} did not exit within {timeout:.1f} s\n"
                f"command: {' '.join(self.argv)}\nstderr:\n{tail(self.stderr(), 15)}"
            ) from None

    def exited_within(self, timeout):
        """The exit status, or None if still running after `timeout` (left running)."""
        try:
            return self.popen.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.popen.poll() is None:
            self.popen.kill()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def stderr(self):
        return read_text(self.stderr_path)

    def stdout_bytes(self):
        with open(self.stdout_path, "rb") as f:
            return f.read()

    def diagnostics(self):
        state = "running" if self.running() else f"exit {self.returncode}"
        text = f"--- {self.name} ({state}): {' '.join(self.argv)}"
        err = tail(self.stderr(), 12)
        return f"{text}\n{err}" if err else text


def wait_all(procs, deadline):
    """Waits for every process until the monotonic `deadline`; {proc: status or None}."""
    return {p: p.exited_within(deadline - time.monotonic()) for p in procs}


# ---------------------------------------------------------------------------
# The server


# What AddressSanitizer, LeakSanitizer and UBSan write to stderr when they find
# something; a relaycast built by `make test-asan` then fails the test that ran it.
SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: ")


class Server:
    """One relaycast process on free loopback ports, its log in a file."""

    def __init__(self, workdir, config="", log_level="info", workers=2, config_path=None):
        self.workdir = workdir
        self.config = config
        self.config_path = config_path  # a config file of the test's own (with its conf.d/), instead of `config`
        self.log_level = log_level
        self.workers = workers
        self.proc = None
        self.rtmp_port = self.http_port = self.srt_port = None
        self.exit_status = None
        self.sanitizer_reported = False

    def start(self, timeout=10):
        for _ in range(3):
            self.rtmp_port, self.http_port = free_ports(2)
            # Every server gets its own SRT port too: servers of parallel tests must not
            # all take the default 9000.
            self.srt_port = free_udp_port()
            argv = [relaycast_bin(), "serve", "--bind", HOST, "--rtmp-port", str(self.rtmp_port),
                    "--http-port", str(self.http_port), "--srt-port", str(self.srt_port), "--log-level", self.log_level,
                    "--workers", str(self.workers)]
            if self.config_path:
                argv += ["--config", self.config_path]
            elif self.config:
                path = self.workdir.file("relaycast", "toml")
                with open(path, "w") as f:
                    f.write(self.config)
                argv += ["--config", path]
            self.log_path = self.workdir.file("relaycast", "log")
            self.proc = Proc("relaycast", argv, self.workdir, stdout_path=self.log_path)
            if self._wait_until_listening(timeout):
                return self
            output = self.log().lower() + self.proc.stderr().lower()
            lost_race = "address already in use" in output or "udp/" in output
            self.stop()
            if not lost_race:
                break
        raise AssertionError(f"relaycast did not start listening on {HOST}:{self.rtmp_port} and "
                             f"{HOST}:{self.http_port}\n{self.diagnostics()}")

    def _wait_until_listening(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc.running():
                return False
            if all(port_accepts(port) for port in (self.rtmp_port, self.http_port)):
                return True
            time.sleep(0.05)
        return False

    def rtmp_url(self, stream, query=None):
        return f"rtmp://{HOST}:{self.rtmp_port}/{stream}" + (f"?{query}" if query else "")

    def http_url(self, stream):
        return f"http://{HOST}:{self.http_port}/{stream}.flv"

    def url(self, protocol, stream):
        return self.rtmp_url(stream) if protocol == "rtmp" else self.http_url(stream)

    def alive(self):
        return self.proc is not None and self.proc.running()

    def log(self):
        return read_text(self.log_path) if self.proc else ""

    def log_lines(self, pattern=None):
        lines = self.log().splitlines()
        return lines if pattern is None else [l for l in lines if re.search(pattern, l)]

    def mark(self):
        """Where the log is now: wait_for_log(..., since=mark) looks only at what follows."""
        return len(self.log_lines())

    def wait_for_log(self, pattern, timeout=10, count=1, since=0):
        """The first `count` log lines matching the regex (from line `since` on); fails the
        test if they do not come in time."""
        deadline = time.monotonic() + timeout
        while True:
            found = [l for l in self.log_lines()[since:] if re.search(pattern, l)]
            if len(found) >= count:
                return found[:count]
            if time.monotonic() > deadline or not self.alive():
                raise AssertionError(
                    f"the server log has {len(found)} line(s) matching /{pattern}/ after {timeout} s, "
                    f"expected {count}{'' if self.alive() else ' (the server exited)'}\n{self.diagnostics()}")
            time.sleep(0.05)

    def wait_for_publish(self, stream, timeout=10, audio=True, since=0):
        """Until the server has the stream's codec configuration, so players see both tracks."""
        key = re.escape(stream)
        self.wait_for_log(rf": publishing {key}$", timeout, since=since)
        self.wait_for_log(rf": {key}: video H\.264", timeout, since=since)
        if audio:
            self.wait_for_log(rf": {key}: audio AAC", timeout, since=since)

    def stop(self, timeout=5):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status. Fails if the
        server wrote a sanitizer report (make test-asan): a memory error, undefined
        behaviour, or a leak found at exit."""
        if self.proc is None:
            return None
        if self.proc.running():
            self.proc.popen.send_signal(signal.SIGTERM)
            if self.proc.exited_within(timeout) is None:
                self.proc.kill()
        self.exit_status = self.proc.returncode
        report = SANITIZER_REPORT.search(self.proc.stderr())
        if report and not self.sanitizer_reported:
            self.sanitizer_reported = True
            err = self.proc.stderr()
            raise AssertionError(f"relaycast wrote a sanitizer report ({self.proc.stderr_path}):\n"
                                 f"{err[max(0, report.start() - 200):report.start() + 12000]}")
        return self.exit_status

    def diagnostics(self):
        if self.proc is None:
            return "--- relaycast: not started"
        state = "running" if self.proc.running() else f"exit {self.proc.returncode}"
        return (f"--- relaycast ({state}) {' '.join(self.proc.argv)}\n"
                f"--- log tail ({self.log_path}):\n{tail(self.log(), 40)}\n"
                f"--- stderr:\n{tail(self.proc.stderr(), 10)}")


def port_accepts(port, timeout=0.5):
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# Publishers and players


def publisher_argv(url, seconds=None, size=(WIDTH, HEIGHT), gop=FPS, audio=True):
    """ffmpeg sending a test pattern (and a 440 Hz tone) as H.264 + AAC in real time."""
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size={size[0]}x{size[1]}:rate={FPS}"]
    if audio:
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={SAMPLE_RATE}"]
    if seconds is not None:
        argv += ["-t", str(seconds)]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(gop)]
    if audio:
        argv += ["-c:a", "aac"]
    return argv + ["-f", "flv", url]


def ffprobe_argv(url, read_seconds=None):
    argv = ["ffprobe", "-hide_banner", "-v", "error", "-show_streams", "-show_packets", "-of", "json"]
    if read_seconds is not None:
        argv += ["-read_intervals", f"%+{read_seconds}"]
    return argv + [url]


def ffmpeg_copy_argv(url, out, seconds=None):
    """ffmpeg as a player that keeps what it gets: a copy of the stream into `out` (FLV),
    with the timestamps as they came."""
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-copyts", "-i", url]
    if seconds is not None:
        argv += ["-t", str(seconds)]
    return argv + ["-c", "copy", "-f", "flv", out]


def ffmpeg_null_argv(url):
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", url, "-c", "copy", "-f", "null", "-"]


def curl_argv(url, out, max_seconds=60):
    return ["curl", "-sS", "--max-time", str(max_seconds), "-o", out, "-w", "%{http_code}", url]


def rtmpdump_argv(url, out):
    return ["rtmpdump", "-q", "-v", "-r", url, "-o", out]


class Probe:
    """ffprobe's JSON: streams, and packets with float times."""

    def __init__(self, text, what):
        self.what = what
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as e:
            raise AssertionError(f"{what}: ffprobe output is not JSON ({e}): {text[:300]!r}") from None
        self.streams = data.get("streams", [])
        self.packets = data.get("packets", [])

    def stream(self, codec_type):
        found = [s for s in self.streams if s.get("codec_type") == codec_type]
        return found[0] if found else None

    def packets_of(self, codec_type):
        return [p for p in self.packets if p.get("codec_type") == codec_type]

    @staticmethod
    def seconds(packet, field):
        value = packet.get(f"{field}_time")
        return None if value in (None, "N/A") else float(value)


def probe_file(path, timeout=30):
    """ffprobe of a file on disk (a recording)."""
    out = subprocess.run(ffprobe_argv(path), capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise AssertionError(f"ffprobe {path} failed ({out.returncode}): {out.stderr[-500:]}")
    return Probe(out.stdout, path)


# ---------------------------------------------------------------------------
# FLV (E.2 file header, E.3 body: PreviousTagSize UI32 then a tag, repeated)

FLV_AUDIO, FLV_VIDEO, FLV_SCRIPT = 8, 9, 18


class FlvTag:
    __slots__ = ("type", "timestamp", "data")

    def __init__(self, tag_type, timestamp, data):
        self.type, self.timestamp, self.data = tag_type, timestamp, data

    @property
    def is_video_config(self):
        return self.type == FLV_VIDEO and len(self.data) >= 2 and self.data[0] & 0x0F == 7 and self.data[1] == 0

    @property
    def is_audio_config(self):
        return self.type == FLV_AUDIO and len(self.data) >= 2 and self.data[0] >> 4 == 10 and self.data[1] == 0

    @property
    def is_end_of_sequence(self):
        return self.type == FLV_VIDEO and len(self.data) >= 2 and self.data[0] & 0x0F == 7 and self.data[1] == 2

    @property
    def is_keyframe(self):
        """A coded keyframe (not the sequence header, which has the keyframe type too)."""
        return (self.type == FLV_VIDEO and len(self.data) >= 2 and self.data[0] >> 4 == 1
                and not (self.is_video_config or self.is_end_of_sequence))


class Flv:
    """A parsed FLV file. `leftover` counts bytes after the last whole tag."""

    def __init__(self, data, what="FLV"):
        self.what = what
        self.size = len(data)
        if len(data) < 13 or data[:3] != b"FLV":
            raise AssertionError(f"{what}: not FLV ({len(data)} bytes, starts {data[:16]!r})")
        self.flags = data[4]
        header_size = struct.unpack(">I", data[5:9])[0]
        pos = header_size
        self.tags = []
        self.bad_previous_sizes = 0
        previous = 0
        while pos + 4 + 11 <= len(data):
            prev_size = struct.unpack(">I", data[pos:pos + 4])[0]
            if prev_size != previous:
                self.bad_previous_sizes += 1
            tag_type = data[pos + 4] & 0x1F
            size = int.from_bytes(data[pos + 5:pos + 8], "big")
            ts = int.from_bytes(data[pos + 8:pos + 11], "big") | data[pos + 11] << 24
            body = pos + 4 + 11
            if body + size > len(data):
                break
            self.tags.append(FlvTag(tag_type, ts, data[body:body + size]))
            previous = 11 + size
            pos = body + size
        # A clean end leaves only the last PreviousTagSize.
        self.leftover = len(data) - pos - (4 if pos + 4 <= len(data) else 0)

    @property
    def has_audio_flag(self):
        return bool(self.flags & 0x04)

    @property
    def has_video_flag(self):
        return bool(self.flags & 0x01)

    def of_type(self, tag_type):
        return [t for t in self.tags if t.type == tag_type]

    def media(self, tag_type):
        """Media tags: no codec configuration, no AVC end of sequence."""
        return [t for t in self.of_type(tag_type)
                if not (t.is_video_config or t.is_audio_config or t.is_end_of_sequence)]


def read_flv(path, what=None):
    with open(path, "rb") as f:
        return Flv(f.read(), what or path)


# ---------------------------------------------------------------------------
# AMF0 (the subset RTMP commands use)


class Amf0Object(dict):
    pass


def amf0_encode(value):
    if value is None:
        return b"\x05"
    if isinstance(value, bool):
        return b"\x01" + (b"\x01" if value else b"\x00")
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, dict):
        out = b"\x03"
        for k, v in value.items():
            raw = k.encode()
            out += struct.pack(">H", len(raw)) + raw + amf0_encode(v)
        return out + b"\x00\x00\x09"
    raise TypeError(f"no AMF0 encoding for {type(value)}")


def amf0_decode_all(data):
    values, pos = [], 0
    while pos < len(data):
        value, pos = _amf0_value(data, pos)
        values.append(value)
    return values


def _amf0_value(data, pos):
    marker = data[pos]
    pos += 1
    if marker == 0x00:
        return struct.unpack(">d", data[pos:pos + 8])[0], pos + 8
    if marker == 0x01:
        return data[pos] != 0, pos + 1
    if marker == 0x02:
        n = struct.unpack(">H", data[pos:pos + 2])[0]
        return data[pos + 2:pos + 2 + n].decode("utf-8", "replace"), pos + 2 + n
    if marker in (0x03, 0x08):
        if marker == 0x08:
            pos += 4  # ECMA array: an approximate count, then the same pairs as an object
        obj = Amf0Object()
        while True:
            n = struct.unpack(">H", data[pos:pos + 2])[0]
            key = data[pos + 2:pos + 2 + n].decode("utf-8", "replace")
            pos += 2 + n
            if n == 0 and data[pos] == 0x09:
                return obj, pos + 1
            obj[key], pos = _amf0_value(data, pos)
    if marker in (0x05, 0x06):
        return None, pos
    raise ValueError(f"AMF0 marker 0x{marker:02x} at {pos - 1}")


# ---------------------------------------------------------------------------
# A raw RTMP client: just enough of RTMP to say what ffmpeg never would


class RawRtmp:
    """A plain-handshake RTMP client over a blocking socket.

    Sends whole messages as fmt 0 chunks (fmt 3 continuations) and reads what the
    server sends, honouring its Set Chunk Size.
    """

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.local_port = self.sock.getsockname()[1]
        self.out_chunk_size = 128
        self.in_chunk_size = 128
        self._in = b""
        self._streams = {}  # chunk stream id -> [ts, length, type, msid, partial]
        self.received = []  # every message read: (type, msid, ts, payload)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # RTMP 5.2: C0 C1 -> S0 S1 S2 -> C2
    def handshake(self):
        self.sock.sendall(b"\x03" + bytes(1536))
        s0s1s2 = self.recv_exactly(1 + 2 * 1536)
        if s0s1s2[0] != 3:
            raise AssertionError(f"S0 is {s0s1s2[0]}, expected version 3")
        self.sock.sendall(s0s1s2[1:1537])

    def recv_exactly(self, n):
        while len(self._in) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"the server closed the connection ({len(self._in)} of {n} bytes read)")
            self._in += data
        out, self._in = self._in[:n], self._in[n:]
        return out

    @staticmethod
    def chunk_header(csid, ts, length, msg_type, msid):
        ext = ts >= 0xFFFFFF
        head = bytes([csid]) + (0xFFFFFF if ext else ts).to_bytes(3, "big") + length.to_bytes(3, "big")
        head += bytes([msg_type]) + struct.pack("<I", msid)
        return head + (struct.pack(">I", ts) if ext else b"")

    def send_message(self, csid, msg_type, payload, ts=0, msid=0):
        out = bytearray(self.chunk_header(csid, ts, len(payload), msg_type, msid))
        for at in range(0, max(len(payload), 1), self.out_chunk_size):
            if at:
                out.append(0xC0 | csid)
                if ts >= 0xFFFFFF:
                    out += struct.pack(">I", ts)
            out += payload[at:at + self.out_chunk_size]
        self.sock.sendall(out)

    def set_chunk_size(self, size, apply=True):
        self.send_message(2, 1, struct.pack(">I", size & 0xFFFFFFFF))
        if apply:
            self.out_chunk_size = size

    def command(self, name, transaction, *args, msid=0):
        payload = b"".join(amf0_encode(v) for v in (name, transaction) + args)
        self.send_message(3, 20, payload, msid=msid)

    def read_message(self):
        """The next whole message from the server: (type, msid, ts, payload)."""
        while True:
            b0 = self.recv_exactly(1)[0]
            fmt, csid = b0 >> 6, b0 & 0x3F
            if csid == 0:
                csid = 64 + self.recv_exactly(1)[0]
            elif csid == 1:
                lo, hi = self.recv_exactly(2)
                csid = 64 + lo + 256 * hi
            state = self._streams.setdefault(csid, [0, 0, 0, 0, b""])
            if fmt <= 2:
                ts = int.from_bytes(self.recv_exactly(3), "big")
                if fmt <= 1:
                    state[1] = int.from_bytes(self.recv_exactly(3), "big")
                    state[2] = self.recv_exactly(1)[0]
                if fmt == 0:
                    state[3] = struct.unpack("<I", self.recv_exactly(4))[0]
                if ts == 0xFFFFFF:
                    ts = struct.unpack(">I", self.recv_exactly(4))[0]
                state[0] = ts if fmt == 0 else state[0] + ts
            take = min(self.in_chunk_size, state[1] - len(state[4]))
            state[4] += self.recv_exactly(take)
            if len(state[4]) < state[1]:
                continue
            message = (state[2], state[3], state[0], state[4])
            state[4] = b""
            if message[0] == 1:
                self.in_chunk_size = struct.unpack(">I", message[3][:4])[0] & 0x7FFFFFFF
            self.received.append(message)
            return message

    def read_command(self, names):
        """Reads until a command whose name is in `names`; its AMF0 values."""
        while True:
            msg_type, _, _, payload = self.read_message()
            if msg_type == 20:
                values = amf0_decode_all(payload)
                if values and values[0] in names:
                    return values

    def connect(self, app="live"):
        self.command("connect", 1, {"app": app, "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; it)",
                                    "tcUrl": f"rtmp://{HOST}/{app}"})
        values = self.read_command({"_result", "_error"})
        if values[0] != "_result":
            raise AssertionError(f"connect was answered {values}")
        return values

    def publish(self, name, app="live"):
        """connect, createStream and publish; the onStatus values of the answer."""
        self.connect(app)
        self.command("createStream", 2, None)
        values = self.read_command({"_result", "_error"})
        self.stream_id = int(values[3]) if len(values) > 3 and isinstance(values[3], float) else 1
        self.command("publish", 3, None, name, "live", msid=self.stream_id)
        return self.read_command({"onStatus"})

    def send_tag(self, tag, ts=None):
        """Sends an FLV tag as the RTMP message of the same type (7.1.5)."""
        csid = {FLV_AUDIO: 4, FLV_VIDEO: 6}.get(tag.type, 5)
        data = tag.data
        if tag.type == FLV_SCRIPT:
            data = amf0_encode("@setDataFrame") + data
        self.send_message(csid, tag.type, data, ts=tag.timestamp if ts is None else ts, msid=self.stream_id)

    def unpublish(self, name):
        self.command("FCUnpublish", 4, None, name)
        self.command("deleteStream", 5, None, float(self.stream_id))

    def wait_closed(self, timeout):
        """Seconds until the server closed the connection, or None if it kept it open.

        Whatever the server sends meanwhile is read and dropped.
        """
        start = time.monotonic()
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - start
            if not data:
                return time.monotonic() - start


def sample_flv(workdir, seconds=3):
    """A short H.264 + AAC encode of the test pattern, to replay by hand."""
    path = workdir.file("sample", "flv")
    argv = publisher_argv(path, seconds=seconds)
    argv.remove("-re")
    subprocess.run(argv, check=True, timeout=60, stdin=subprocess.DEVNULL)
    return read_flv(path)


# ---------------------------------------------------------------------------
# HTTP by hand (for requests curl would not send)


def http_exchange(port, request, timeout=5.0):
    """Sends raw bytes; returns (status or None, headers text, body bytes) once the server closes."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if len(data) > 1 << 20:
                    break
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else None), head.decode("latin-1"), body


# ---------------------------------------------------------------------------
# The test case base


class IntegrationTest(unittest.TestCase):
    """Keeps track of servers and processes; kills them in cleanup and shows their
    logs when a test fails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = WorkDir(cls.__name__)
        cls.addClassCleanup(cls.workdir.remove)
        cls._class_watched = []

    def setUp(self):
        super().setUp()
        self._watched = []

    # Servers and processes of the class live until tearDownClass; those of a test
    # until its cleanup.
    @classmethod
    def start_class_server(cls, config="", **kwargs):
        server = Server(cls.workdir, config, **kwargs)
        cls._class_watched.append(server)
        cls.addClassCleanup(server.stop)
        return server.start()

    @classmethod
    def spawn_class(cls, name, argv, **kwargs):
        proc = Proc(name, argv, cls.workdir, **kwargs)
        cls._class_watched.append(proc)
        cls.addClassCleanup(proc.kill)
        return proc

    def start_server(self, config="", **kwargs):
        server = Server(self.workdir, config, **kwargs)
        self._watched.append(server)
        self.addCleanup(server.stop)
        return server.start()

    def spawn(self, name, argv, **kwargs):
        proc = Proc(name, argv, self.workdir, **kwargs)
        self._watched.append(proc)
        self.addCleanup(proc.kill)
        return proc

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        outcome = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            watched = getattr(self, "_watched", []) + getattr(type(self), "_class_watched", [])
            report = "\n".join(w.diagnostics() for w in watched)
            sys.stderr.write(f"\n===== {self.id()} failed; what it ran:\n{report}\n"
                             f"===== work directory: {self.workdir.path}\n")
        return outcome

    def assert_serves_normally(self, server, stream, seconds=3):
        """The server is up and a normal publish of `stream` plays over RTMP and HTTP-FLV."""
        self.assertTrue(server.alive(), f"relaycast exited with {server.proc.returncode}")
        since = server.mark()
        publisher = self.spawn("check publisher", publisher_argv(server.rtmp_url(stream), seconds=seconds))
        server.wait_for_publish(stream, since=since)
        capture = self.workdir.file("check-curl", "flv")
        rtmp = self.spawn("check ffprobe", ffprobe_argv(server.rtmp_url(stream), read_seconds=1))
        http = self.spawn("check curl", curl_argv(server.http_url(stream), capture, max_seconds=seconds + 10))
        self.assertEqual(rtmp.wait(seconds + 10), 0, f"RTMP play after the bad input: {rtmp.stderr()}")
        probe = Probe(rtmp.stdout_bytes().decode(), f"ffprobe {stream} after the bad input")
        self.assert_h264_aac(probe)
        self.assertGreaterEqual(len(probe.packets_of("video")), FPS // 2)
        self.assertEqual(publisher.wait(seconds + 10), 0, f"publish after the bad input: {publisher.stderr()}")
        self.assertEqual(http.wait(5), 0, f"HTTP-FLV play after the bad input: {http.stderr()}")
        flv = read_flv(capture, f"curl {stream} after the bad input")
        self.assertGreaterEqual(len(flv.media(FLV_VIDEO)), FPS, "HTTP-FLV play after the bad input")
        self.assertTrue(server.alive(), f"relaycast exited with {server.proc.returncode}")

    # --- assertions on what players received

    def assert_h264_aac(self, probe, audio=True, size=(WIDTH, HEIGHT)):
        video = probe.stream("video")
        self.assertIsNotNone(video, f"{probe.what}: no video stream; streams: {probe.streams}")
        self.assertEqual(video.get("codec_name"), "h264", f"{probe.what}: video codec")
        self.assertEqual((video.get("width"), video.get("height")), size, f"{probe.what}: resolution")
        if audio:
            sound = probe.stream("audio")
            self.assertIsNotNone(sound, f"{probe.what}: no audio stream; streams: {probe.streams}")
            self.assertEqual(sound.get("codec_name"), "aac", f"{probe.what}: audio codec")
            self.assertEqual(int(sound.get("sample_rate", 0)), SAMPLE_RATE, f"{probe.what}: audio sample rate")

    def assert_dts_monotonic(self, probe):
        for kind in ("video", "audio"):
            dts = [Probe.seconds(p, "dts") for p in probe.packets_of(kind)]
            self.assertNotIn(None, dts, f"{probe.what}: {kind} packets without dts")
            back = [(i, a, b) for i, (a, b) in enumerate(zip(dts, dts[1:])) if b < a]
            self.assertEqual(back, [], f"{probe.what}: {kind} dts goes backwards at (index, from, to)")

    def assert_covers(self, probe, kind, start_at_most, end_seconds, tolerance=0.10):
        """The packets of `kind` start by `start_at_most` and span what was published up to
        `end_seconds` within ±tolerance, with no gap: their count matches their rate."""
        packets = probe.packets_of(kind)
        self.assertTrue(packets, f"{probe.what}: no {kind} packets")
        pts = [Probe.seconds(p, "pts") for p in packets]
        first, last = pts[0], max(pts)
        self.assertLessEqual(first, start_at_most, f"{probe.what}: first {kind} packet at {first:.3f} s")
        frame = 1 / FPS if kind == "video" else AAC_FRAME_SAMPLES / SAMPLE_RATE
        span = last - first + frame
        expected = end_seconds - first
        self.assertAlmostEqual(span, expected, delta=tolerance * expected,
                               msg=f"{probe.what}: {kind} spans {first:.3f}..{last:.3f} s = {span:.2f} s; "
                                   f"the publisher sent {first:.3f}..{end_seconds} s = {expected:.2f} s")
        self.assertAlmostEqual(len(packets), span / frame, delta=tolerance * span / frame,
                               msg=f"{probe.what}: {len(packets)} {kind} packets over {span:.2f} s")
        self.assert_no_hole(probe.what, kind, sorted(pts), frame)

    def assert_no_hole(self, what, kind, times, frame):
        """Consecutive frames are about a frame apart: on loopback nothing may be lost."""
        holes = [(a, b) for a, b in zip(times, times[1:]) if b - a > 2.5 * frame]
        self.assertEqual(holes, [], f"{what}: {kind} has holes (from s, to s) where frames are missing")

    def assert_flv_stream(self, flv, start_at_most, end_seconds, tolerance=0.10):
        """An FLV capture of the stream: both tracks announced and configured, video from a
        keyframe, timestamps non-decreasing, and the whole window up to `end_seconds`."""
        what = flv.what
        self.assertTrue(flv.has_video_flag and flv.has_audio_flag, f"{what}: FLV header flags 0x{flv.flags:02x}")
        self.assertEqual(flv.bad_previous_sizes, 0, f"{what}: PreviousTagSize fields that do not match")
        video, audio = flv.of_type(FLV_VIDEO), flv.of_type(FLV_AUDIO)
        self.assertTrue(video and video[0].is_video_config, f"{what}: first video tag is not the AVC sequence header")
        self.assertTrue(audio and audio[0].is_audio_config, f"{what}: first audio tag is not the AAC sequence header")
        frames = flv.media(FLV_VIDEO)
        self.assertTrue(frames and frames[0].is_keyframe, f"{what}: first video frame is not a keyframe")
        for kind, tags in (("video", frames), ("audio", flv.media(FLV_AUDIO))):
            ts = [t.timestamp for t in tags]
            back = [(i, a, b) for i, (a, b) in enumerate(zip(ts, ts[1:])) if b < a]
            self.assertEqual(back, [], f"{what}: {kind} timestamps go backwards at (index, from, to)")
            first, last = ts[0] / 1000, ts[-1] / 1000
            self.assertLessEqual(first, start_at_most, f"{what}: first {kind} tag at {first:.3f} s")
            frame = 1 / FPS if kind == "video" else AAC_FRAME_SAMPLES / SAMPLE_RATE
            span, expected = last - first + frame, end_seconds - first
            self.assertAlmostEqual(span, expected, delta=tolerance * expected,
                                   msg=f"{what}: {kind} spans {first:.3f}..{last:.3f} s; "
                                       f"the publisher sent {first:.3f}..{end_seconds} s")
            self.assertAlmostEqual(len(tags), span / frame, delta=tolerance * span / frame,
                                   msg=f"{what}: {len(tags)} {kind} tags over {span:.2f} s")
            self.assert_no_hole(what, kind, [t / 1000 for t in ts], frame)


# ---------------------------------------------------------------------------
# One publish, watched by several players at once (test_rtmp_play, test_http_flv)


class PlaybackTest(IntegrationTest):
    """ffmpeg publishes SECONDS of H.264 + AAC; at once, ffprobe and an ffmpeg
    recording watch it from the start, and LATE_JOIN seconds in a second ffprobe joins
    mid-stream. Subclasses set PROTOCOL ("rtmp" or "http") and may add players."""

    PROTOCOL = None
    SECONDS = 10
    LATE_JOIN = 3.5
    LATE_READ = 2
    END_GRACE = 5  # how long players may take to notice the end of the stream

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_class_server()
        cls.stream = f"live/{cls.PROTOCOL}-play"
        cls.url = cls.server.url(cls.PROTOCOL, cls.stream)
        cls.publisher = cls.spawn_class(
            "publisher", publisher_argv(cls.server.rtmp_url(cls.stream), seconds=cls.SECONDS))
        cls.server.wait_for_publish(cls.stream)
        live_since = time.monotonic()
        cls.recording = cls.workdir.file("recording", "flv")
        cls.players = {
            "ffprobe": cls.spawn_class("ffprobe", ffprobe_argv(cls.url)),
            "ffmpeg": cls.spawn_class("ffmpeg-copy", ffmpeg_copy_argv(cls.url, cls.recording)),
        }
        cls.players.update(cls.start_more_players())
        time.sleep(max(0.0, live_since + cls.LATE_JOIN - time.monotonic()))
        cls.players["late ffprobe"] = cls.spawn_class("ffprobe-late", ffprobe_argv(cls.url, cls.LATE_READ))
        cls.publisher_status = cls.publisher.exited_within(cls.SECONDS + 15)
        cls.status = wait_all(cls.players.values(), time.monotonic() + cls.END_GRACE)

    @classmethod
    def start_more_players(cls):
        return {}

    def probe_of(self, player):
        proc = self.players[player]
        self.assertEqual(self.status[proc], 0, f"{player} on {self.url} ended with {self.status[proc]} "
                                               f"(None: still running {self.END_GRACE} s after the publisher "
                                               f"stopped)\n{proc.stderr()[-500:]}")
        return Probe(proc.stdout_bytes().decode(), f"{player} {self.url}")

    def test_publisher_ran_to_its_end(self):
        self.assertEqual(self.publisher_status, 0, f"publisher: {self.publisher.stderr()[-500:]}")

    def test_ffprobe_sees_h264_640x360_and_aac(self):
        self.assert_h264_aac(self.probe_of("ffprobe"))

    def test_ffprobe_timestamps_are_monotonic(self):
        probe = self.probe_of("ffprobe")
        self.assertGreater(len(probe.packets_of("video")), FPS, "fewer than a second of video")
        self.assert_dts_monotonic(probe)

    def test_ffprobe_gets_the_whole_stream(self):
        probe = self.probe_of("ffprobe")
        # It joined as soon as the stream was live, so at one of the first keyframes
        # (one a second), and has everything from there to the end.
        self.assert_covers(probe, "video", start_at_most=EARLY_JOIN, end_seconds=self.SECONDS)
        self.assert_covers(probe, "audio", start_at_most=EARLY_JOIN, end_seconds=self.SECONDS)

    def test_ffmpeg_recording_is_whole_and_playable(self):
        self.probe_of("ffmpeg")
        probe = probe_file(self.recording)
        self.assert_h264_aac(probe)
        self.assert_dts_monotonic(probe)
        self.assert_covers(probe, "video", start_at_most=EARLY_JOIN, end_seconds=self.SECONDS)
        self.assert_covers(probe, "audio", start_at_most=EARLY_JOIN, end_seconds=self.SECONDS)

    def test_late_viewer_starts_with_a_keyframe(self):
        probe = self.probe_of("late ffprobe")
        self.assert_h264_aac(probe)
        video = probe.packets_of("video")
        self.assertTrue(video, "the late viewer got no video")
        first = video[0]
        self.assertTrue(first.get("flags", "").startswith("K"),
                        f"first video packet of a viewer joining {self.LATE_JOIN} s in is not a keyframe: {first}")
        # It did join mid-stream: at the newest keyframe (one a second), not at the start.
        self.assertGreaterEqual(Probe.seconds(first, "pts"), self.LATE_JOIN - 1.5, f"first packet: {first}")
        self.assert_dts_monotonic(probe)
