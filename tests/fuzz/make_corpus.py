#!/usr/bin/env python3
"""Cuts the fuzzers' seed corpora out of the recorded RTMP sessions in
tests/fixtures/rtmp (real ffmpeg, librtmp and rtmpdump sessions, byte for byte), and
writes the hand-made seeds of the targets whose input is a recipe rather than wire
bytes. Run it again after changing a target's input format; the output is
deterministic, so an unchanged corpus shows no diff.

    python3 tests/fuzz/make_corpus.py
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rtmp")
CORPUS = os.path.join(HERE, "corpus")
HANDSHAKE = 1 + 1536 + 1536

# Stream prefixes are cut short: the interesting bytes (commands, sequence headers,
# the first frames) come first, and small seeds keep the fuzzers fast.
STREAM_PREFIX = 12 * 1024
MAX_BODY = 4 * 1024


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def sessions():
    return sorted(n for n in os.listdir(FIXTURES) if n.endswith(".bin"))


def messages(stream):
    """RTMP 5.3 chunk stream -> [(type, timestamp, stream_id, body)]; enough of the
    spec for what real clients send (no Abort)."""
    chunk_size = 128
    streams = {}
    pos = 0
    out = []
    while pos < len(stream):
        start = pos
        b = stream[pos]
        pos += 1
        fmt, csid = b >> 6, b & 0x3F
        if csid == 0:
            if pos + 1 > len(stream):
                break
            csid = 64 + stream[pos]
            pos += 1
        elif csid == 1:
            if pos + 2 > len(stream):
                break
            csid = 64 + stream[pos] + stream[pos + 1] * 256
            pos += 2
        s = streams.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "sid": 0, "delta": 0, "ext": False, "buf": b""})
        header = {0: 11, 1: 7, 2: 3, 3: 0}[fmt]
        if pos + header > len(stream):
            break
        h = stream[pos:pos + header]
        pos += header
        if fmt <= 2:
            t = int.from_bytes(h[0:3], "big")
        if fmt <= 1:
            s["len"] = int.from_bytes(h[3:6], "big")
            s["type"] = h[6]
        if fmt == 0:
            s["sid"] = struct.unpack("<I", h[7:11])[0]
        if fmt <= 2:
            s["ext"] = t == 0xFFFFFF
        if s["ext"]:
            if pos + 4 > len(stream):
                break
            t = struct.unpack(">I", stream[pos:pos + 4])[0]
            pos += 4
        if fmt == 0:
            s["ts"] = t
        elif fmt in (1, 2):
            s["delta"] = t
            s["ts"] += t
        elif not s["buf"]:
            s["ts"] += s["delta"]
        n = min(chunk_size, s["len"] - len(s["buf"]))
        if pos + n > len(stream):
            break
        s["buf"] += stream[pos:pos + n]
        pos += n
        if len(s["buf"]) == s["len"]:
            body = s["buf"]
            s["buf"] = b""
            out.append((s["type"], s["ts"] & 0xFFFFFFFF, s["sid"], body))
            if s["type"] == 1:
                chunk_size = struct.unpack(">I", body[:4])[0] & 0x7FFFFFFF
    return out


class Corpus:
    def __init__(self):
        self.targets = {}

    def add(self, target, data):
        if not data:
            return
        self.targets.setdefault(target, {})[hashlib.sha1(data).hexdigest()] = data

    def write(self):
        # Files are named by content and never deleted here: the corpus directories
        # also hold what fuzzing found (merged with -merge=1, see tests/fuzz/README.md).
        total = 0
        for target, seeds in sorted(self.targets.items()):
            d = os.path.join(CORPUS, target)
            os.makedirs(d, exist_ok=True)
            for name, data in sorted(seeds.items()):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
                total += len(data)
            print(f"{target}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")
        print(f"total {total} bytes")


def nal_units(avcc, length_size=4):
    pos = 0
    while pos + length_size <= len(avcc):
        n = int.from_bytes(avcc[pos:pos + length_size], "big")
        pos += length_size
        yield avcc[pos:pos + n]
        pos += n


def avcc_parameter_sets(record):
    """ISO/IEC 14496-15 5.3.3.1: the SPS and PPS of an AVCDecoderConfigurationRecord."""
    out = []
    pos = 5
    count = record[pos] & 0x1F
    pos += 1
    for _ in range(count):
        n = int.from_bytes(record[pos:pos + 2], "big")
        out.append(record[pos + 2:pos + 2 + n])
        pos += 2 + n
    count = record[pos]
    pos += 1
    for _ in range(count):
        n = int.from_bytes(record[pos:pos + 2], "big")
        out.append(record[pos + 2:pos + 2 + n])
        pos += 2 + n
    return out


def flv_file(msgs):
    out = bytearray(b"FLV\x01\x05\x00\x00\x00\x09" + b"\x00" * 4)
    for type_, ts, _, body in msgs:
        out += bytes([type_]) + len(body).to_bytes(3, "big") + (ts & 0xFFFFFF).to_bytes(3, "big")
        out += bytes([ts >> 24 & 0xFF]) + b"\x00\x00\x00" + body
        out += (11 + len(body)).to_bytes(4, "big")
    return bytes(out)


# The recipe formats of mux_round_trip and hls_segmenter (see their .cpp): a header,
# then one 8-byte record per packet:
#   u8 flags     bit0 video (else audio), bit1 keyframe, bit2 config, bit3 end of stream,
#                bit4 broken config/payload bytes
#   u8 dts step  in ms (one byte: 0..255)
#   i8 cts       composition offset in ms (signed)
#   u8 reserved
#   u16 size     payload bytes taken from the recipe's tail pool (clamped)
#   u16 backstep dts is moved back by this many ms (0 almost always)
def recipe(frames, fps=15, gop=15, audio=True, eos_at=None, header=b"\x00\x00"):
    out = bytearray(header)
    step_v = 1000 // fps
    out += struct.pack(">BBbBHH", 0b101, 0, 0, 0, 0, 0)  # video config
    if audio:
        out += struct.pack(">BBbBHH", 0b100, 0, 0, 0, 0, 0)  # audio config
    for i in range(frames):
        key = 2 if gop and i % gop == 0 else 0
        out += struct.pack(">BBbBHH", 1 | key, step_v, min(2 * step_v, 127) if i % 3 == 1 else 0,
                           0x65 if key else 0x41, 40 + i % 7, 0)
        if audio and i % 2 == 0:
            out += struct.pack(">BBbBHH", 0, 0, 0, 0, 20, 0)
        if eos_at is not None and i == eos_at:
            out += struct.pack(">BBbBHH", 8, 0, 0, 0, 0, 0)
    return bytes(out)


def main():
    c = Corpus()
    video_configs, audio_configs = set(), set()
    for name in sessions():
        data = read(name)
        to_server = name.endswith(".c2s.bin")
        # Handshake: C0 C1 C2 whole, and cut after C1 (the server answers then).
        if to_server:
            c.add("rtmp_handshake", data[:HANDSHAKE])
            c.add("rtmp_handshake", data[:1 + 1536])
        stream = data[HANDSHAKE:]
        c.add("rtmp_chunk_reader", stream[:STREAM_PREFIX])
        if to_server:
            c.add("rtmp_server_connection", stream[:STREAM_PREFIX])
            c.add("rtmp_server_connection", stream[:2048])
        msgs = messages(stream)
        media = []
        per_type = {}
        for type_, ts, sid, body in msgs:
            if type_ in (18, 20):
                c.add("amf0", body[:MAX_BODY])
            if type_ in (8, 9, 18):
                # flv_body: the tag type byte, then the body; the first few of each type
                # (sequence headers, a keyframe, delta frames, metadata).
                per_type[type_] = per_type.get(type_, 0) + 1
                if per_type[type_] <= 5:
                    c.add("flv_body", bytes([type_]) + body[:MAX_BODY])
                media.append((type_, ts, sid, body))
            if type_ == 9 and len(body) > 5 and body[0] & 0x0F == 7 and body[1] == 0:
                record = body[5:]
                video_configs.add(record)
                c.add("h264", record)
                for ps in avcc_parameter_sets(record):
                    c.add("h264", ps)
            elif type_ == 9 and len(body) > 5 and body[0] & 0x0F == 7 and body[1] == 1 and len(c.targets.get("h264", {})) < 10:
                c.add("h264", body[5:MAX_BODY])
            if type_ == 8 and len(body) > 2 and body[0] >> 4 == 10 and body[1] == 0:
                audio_configs.add(body[2:])
                c.add("aac", body[2:])
        if to_server and media:
            f = flv_file(media)
            c.add("flv_reader", f[:STREAM_PREFIX])
            c.add("flv_reader", f[:400])
    # AudioSpecificConfigs beyond what the recordings carry: HE-AAC (explicit SBR), PS,
    # 960-sample frames, an explicit sampling rate, channel configuration 0 with a PCE.
    for asc in ("1210", "1190", "2b92080000", "eb098800", "1208", "1000", "17fc0ac440000000", "1188", "13105650e5"):
        c.add("aac", bytes.fromhex(asc))

    for target in ("mux_round_trip", "hls_segmenter"):
        c.add(target, recipe(40))
        c.add(target, recipe(60, fps=30, gop=30, eos_at=35))
        c.add(target, recipe(30, gop=0))
        c.add(target, recipe(20, audio=False, header=b"\x01\x00"))

    # rtmp_chunk_round_trip: a chunk size choice, then 12-byte message records (see the .cpp):
    # what a viewer gets: a command, metadata, audio and video, one past the 24-bit
    # timestamp, on the 1-, 2- and 3-byte chunk stream id ranges.
    def message(type_, csid, ts, sid, size, how, salt=0):
        return struct.pack(">BHIBHBB", type_, csid - 2, ts, sid, size, how, salt)
    viewer = (message(20, 3, 0, 0, 200, 0x80) + message(18, 5, 0, 1, 300, 0x80) + message(9, 6, 0, 1, 44, 5)
              + message(8, 4, 0, 1, 7, 2) + message(9, 6, 40, 1, 2900, 5) + message(8, 4, 0x1000000, 1, 300, 2)
              + message(9, 70, 0xFFFFFF, 1, 500, 5) + message(9, 400, 0xFFFFFFFF, 1, 129, 0x80))
    for choice in (3, 4, 5, 6, 0):
        c.add("rtmp_chunk_round_trip", bytes([choice]) + viewer)

    for path in ("/live/cam.flv", "/live/cam.flv?key=abc&token=x", "/live/cam/index.m3u8",
                 "/live/cam/ll.m3u8?_HLS_msn=3&_HLS_part=1", "/live/cam/e1-12.3.m4s", "/a/b/e1-init0.mp4",
                 "/live/.hidden.flv", "/live/../x.flv", "live/cam.flv", "/live/cam"):
        c.add("stream_path", path.encode())
    # mpegts_demuxer: the starts of ffmpeg's TS files (tests/fixtures/mpegts): tables,
    # keyframes with their parameter sets, ADTS frames, the 33-bit wrap, HEVC.
    ts_fixtures = os.path.join(ROOT, "tests", "fixtures", "mpegts")
    for name, length in (("h264_aac.ts", 16 * 188 * 8), ("h264_aac_wrap.ts", 188 * 40), ("hevc_aac.ts", 188 * 85)):
        with open(os.path.join(ts_fixtures, name), "rb") as f:
            ts = f.read()
        c.add("mpegts_demuxer", ts[:length])
        if name == "h264_aac_wrap.ts":  # the packets around the wrap
            c.add("mpegts_demuxer", ts[:188 * 2] + ts[len(ts) // 2:len(ts) // 2 + 188 * 60])
    for stream_id in ("publish:live/cam", "#!::r=live/cam,m=publish", "#!::r=live/cam?key=k,m=request,u=x",
                      "read:live/cam", "play:live/cam?key=a", "#!::h=host,r=live/cam,m=bidirectional", "#!::",
                      "live/cam", "publish:live/../x"):
        c.add("stream_path", stream_id.encode())
    for target in ("e1-0.ts", "e1-1.m4s", "e1-0.0.m4s", "e1-1.2.m4s", "e1-init1.mp4", "e1-init.mp4",
                   "e1-99999999999999999999.ts", "e1-2.4294967296.m4s", "index.m3u8"):
        c.add("hls_routes", target.encode())

    for toml in (
        "",
        "[server]\nbind = \"127.0.0.1\"\nworkers = 2\n\n[rtmp]\nport = 1936\nchunk_size = 4096\n",
        "[http]\nport = 8081\ncors_origin = \"\"\n\n[hls]\nsegment_ms = 1000\npart_ms = 200\nwindow = 4\n",
        "[srt]\nport = 9001\nlatency_ms = 200\n[[srt.passphrases]]\napp = \"live\"\npassphrase = \"0123456789ab\"\n",
        "[stream]\nmax_ring_bytes = 1048576\ntakeover = true\nwrite_batch_ms = 0\n",
        "[[auth.publish_keys]]\nstream = \"live/*\"\nkey = \"secret\"\n",
        "[demo]\nenabled = true\nstream = \"live/demo\"\n",
        "[rtmp]\nport = 70000\n",
        "[nope]\nx = 1\n",
    ):
        c.add("config", toml.encode())
    c.write()
    print("video configs:", [v.hex() for v in sorted(video_configs)], file=sys.stderr)
    print("audio configs:", [a.hex() for a in sorted(audio_configs)], file=sys.stderr)


if __name__ == "__main__":
    main()
