"""HEVC end to end.

ffmpeg (libx265 + AAC) publishes MPEG-TS over SRT; while it does, ffprobe reads the
stream back over SRT, LL-HLS (fMP4, hvc1) and TS HLS, and the FLV outputs (HTTP-FLV,
RTMP) are read as bytes: ffmpeg 5.1 can neither read nor write Enhanced RTMP, so the
test parses the tags itself and checks the ex-header with FourCC 'hvc1'. The publish is
recorded, and the recording is read by ffprobe as HEVC + AAC of the right length.
AV1 and VP9 from Enhanced RTMP are passed through to the FLV outputs.
"""

import glob
import json
import os
import subprocess
import time
import unittest
import urllib.request

import harness
from harness import FPS, HOST, IntegrationTest, Flv, FlvTag, Probe, RawRtmp, ffprobe_argv, wait_all
import hls_support as hs

SIZE = (320, 240)
SECONDS = 8
READ = 3
STREAM = "live/hevc"


def hevc_publisher_argv(url, seconds):
    """A test pattern as HEVC (libx265, a keyframe every second) and AAC in MPEG-TS."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size={SIZE[0]}x{SIZE[1]}:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", str(seconds),
            "-c:v", "libx265", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(FPS),
            "-x265-params", "log-level=none", "-c:a", "aac", "-f", "mpegts", url]


def srt_url(server, stream_id):
    return f"srt://{HOST}:{server.srt_port}?streamid={stream_id}"


def read_http(url, seconds):
    """The first `seconds` of an endless HTTP response (HTTP-FLV), as a player gets it."""
    data = bytearray()
    deadline = time.monotonic() + seconds
    with urllib.request.urlopen(url, timeout=10) as r:
        while time.monotonic() < deadline:
            chunk = r.read1(65536)
            if not chunk:
                break
            data += chunk
    return bytes(data)


class EnhancedVideoTag:
    """Enhanced RTMP v1 ExVideoTagHeader: IsExHeader UB[1], FrameType UB[3],
    PacketType UB[4], FourCC UI32."""

    def __init__(self, data):
        self.ex_header = bool(data[0] & 0x80)
        self.frame_type = (data[0] >> 4) & 0x07
        self.packet_type = data[0] & 0x0F
        self.fourcc = bytes(data[1:5])
        self.body = data[5:]


class HevcTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record_dir = os.path.join(cls.workdir.path, "rec")
        cls.server = server = cls.start_class_server(
            config=f'[record]\nenabled = true\ndirectory = "{cls.record_dir}"\nfragment_ms = 1000\n')
        cls.publisher = cls.spawn_class("hevc publisher", hevc_publisher_argv(
            srt_url(server, f"publish:{STREAM}"), SECONDS))
        server.wait_for_log(rf": {STREAM}: video HEVC ", timeout=15)
        server.wait_for_log(rf": {STREAM}: audio AAC", timeout=10)
        hs.wait_for_playlist(server.http_port, f"/{STREAM}/index.m3u8", lambda p: p.complete(), timeout=15)
        cls.urls = {
            "srt": srt_url(server, f"read:{STREAM}"),
            "ll-hls": f"http://{HOST}:{server.http_port}/{STREAM}/ll.m3u8",
            "ts-hls": f"http://{HOST}:{server.http_port}/{STREAM}/index.m3u8",
        }
        cls.players = {name: cls.spawn_class(f"ffprobe {name}", ffprobe_argv(url, READ))
                       for name, url in cls.urls.items()}
        cls.rtmp_flv = os.path.join(cls.workdir.path, "rtmp.flv")
        cls.rtmpdump = cls.spawn_class("rtmpdump", ["rtmpdump", "-q", "-v", "-r", server.rtmp_url(STREAM),
                                                    "-o", cls.rtmp_flv, "-B", str(READ)])
        cls.http_flv = read_http(server.http_url(STREAM), READ)
        cls.status = wait_all(list(cls.players.values()) + [cls.rtmpdump], time.monotonic() + READ + 20)
        cls.publisher_status = cls.publisher.wait(SECONDS + 20)

    def probe(self, name):
        proc = self.players[name]
        self.assertEqual(self.status[proc], 0, f"ffprobe {self.urls[name]} ended with {self.status[proc]}: "
                                               f"{proc.stderr()[-600:]}")
        probe = Probe(proc.stdout_bytes().decode(), f"ffprobe {name} {self.urls[name]}")
        video = probe.stream("video")
        self.assertIsNotNone(video, f"{probe.what}: no video stream")
        self.assertEqual(video["codec_name"], "hevc", probe.what)
        self.assertEqual((video["width"], video["height"]), SIZE, probe.what)
        self.assertEqual(probe.stream("audio")["codec_name"], "aac", probe.what)
        packets = probe.packets_of("video")
        self.assertGreaterEqual(len(packets), FPS * (READ - 1), f"{probe.what}: video packets")
        dts = [Probe.seconds(p, "dts") for p in packets]
        dts = [t for t in dts if t is not None]
        self.assertEqual(dts, sorted(dts), f"{probe.what}: video timestamps go backwards")
        self.assertTrue(any("K" in p.get("flags", "") for p in packets), f"{probe.what}: no keyframe")
        self.assertGreaterEqual(len(probe.packets_of("audio")), 30 * (READ - 1), f"{probe.what}: audio")
        return probe

    def test_publisher_finished_cleanly(self):
        self.assertEqual(self.publisher_status, 0, self.publisher.stderr()[-600:])

    def test_server_logged_the_hevc_publish(self):
        self.server.wait_for_log(rf": {STREAM}: video HEVC Main@L[0-9.]+ {SIZE[0]}x{SIZE[1]}$")

    def test_plays_over_srt(self):
        self.probe("srt")

    def test_plays_over_ll_hls_fmp4(self):
        self.probe("ll-hls")

    def test_plays_over_ts_hls(self):
        self.probe("ts-hls")

    def test_ll_hls_init_segment_has_an_hvc1_sample_entry(self):
        _, reply = hs.get_playlist(self.server.http_port, f"/{STREAM}/ll.m3u8")
        text = reply.text
        maps = [line for line in text.splitlines() if line.startswith("#EXT-X-MAP:")]
        self.assertTrue(maps, text)
        uri = hs.attributes(maps[-1].split(":", 1)[1])["URI"]
        init = hs.request(self.server.http_port, f"/{STREAM}/{uri}").body
        self.assertIn(b"hvc1", init)
        self.assertIn(b"hvcC", init)
        self.assertNotIn(b"avc1", init)

    def assert_enhanced_hevc_flv(self, flv):
        video = [EnhancedVideoTag(t.data) for t in flv.of_type(9)]
        self.assertGreater(len(video), FPS * (READ - 1), f"{flv.what}: video tags")
        self.assertTrue(all(v.ex_header and v.fourcc == b"hvc1" for v in video),
                        f"{flv.what}: not every video tag is an Enhanced RTMP 'hvc1' tag")
        first = video[0]
        self.assertEqual(first.packet_type, 0, f"{flv.what}: the first video tag is not the SequenceStart")
        self.assertEqual(first.body[0], 1, f"{flv.what}: the sequence start is no HEVCDecoderConfigurationRecord")
        self.assertEqual(first.body[1] & 0x1F, 1, f"{flv.what}: hvcC profile is not Main")
        frames = video[1:]
        self.assertTrue(all(v.packet_type in (1, 3) for v in frames), f"{flv.what}: CodedFrames/CodedFramesX only")
        self.assertEqual(frames[0].frame_type, 1, f"{flv.what}: the first coded frame is not a keyframe")
        self.assertTrue(any(v.frame_type == 2 for v in frames), f"{flv.what}: no inter frames")
        audio = flv.of_type(8)
        self.assertGreater(len(audio), 30 * (READ - 1), f"{flv.what}: audio tags")
        self.assertEqual(audio[0].data[0] >> 4, 10, f"{flv.what}: audio is not AAC")

    def test_http_flv_carries_enhanced_rtmp_hvc1(self):
        self.assert_enhanced_hevc_flv(Flv(self.http_flv, "HTTP-FLV"))

    def test_rtmp_play_carries_enhanced_rtmp_hvc1(self):
        with open(self.rtmp_flv, "rb") as f:
            self.assert_enhanced_hevc_flv(Flv(f.read(), "RTMP (rtmpdump)"))

    def test_the_publish_is_recorded_as_hevc_and_aac(self):
        self.assertEqual(self.publisher_status, 0, self.publisher.stderr()[-600:])
        self.server.wait_for_log(rf"recording {STREAM}: .* done", timeout=15)
        files = sorted(glob.glob(os.path.join(self.record_dir, STREAM, "*.mp4")))
        self.assertEqual(len(files), 1, files)
        out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", files[0]],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr[-600:])
        info = json.loads(out.stdout)
        codecs = {s["codec_type"]: s for s in info["streams"]}
        self.assertEqual(codecs["video"]["codec_name"], "hevc")
        self.assertEqual(codecs["video"]["codec_tag_string"], "hvc1")
        self.assertEqual((codecs["video"]["width"], codecs["video"]["height"]), SIZE)
        self.assertEqual(codecs["audio"]["codec_name"], "aac")
        # The recording starts at the first keyframe the server saw.
        self.assertAlmostEqual(float(info["format"]["duration"]), SECONDS, delta=1.5)



# AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3): marker/version 0x81, Main profile
# level 4.0, 4:2:0 8-bit, no configOBUs. The server does not look inside.
AV1_CONFIG = bytes([0x81, 0x08, 0x0C, 0x00])
# VPCodecConfigurationRecord (VP-Codec-ISOBMFF): version 1, profile 0, level 3.1, 8-bit
# 4:2:0, BT.709, no codec initialization data.
VP9_CONFIG = bytes([0x01, 0x00, 0x00, 0x00, 0x00, 0x1F, 0x80, 0x01, 0x01, 0x01, 0x00, 0x00])


def av1_frame(n):
    return bytes([0x12, 0x00, 0x7A, 0x04]) + n.to_bytes(4, "big")  # TD + padding OBU


def vp9_frame(n):
    return bytes([0x82, 0x49, 0x83, 0x42]) + n.to_bytes(4, "big")  # a header start, then filler


def enhanced_tags(sample, fourcc, config, frame_of):
    """The sample's tags with its H.264 video replaced by Enhanced RTMP `fourcc` tags: a
    SequenceStart with `config`, then CodedFrames (keyframes where the sample had them)
    whose payload is frame_of(frame number)."""
    out = []
    frame = 0
    for tag in sample.tags:
        if tag.type != harness.FLV_VIDEO:
            out.append(tag)
        elif tag.is_video_config:
            out.append(FlvTag(tag.type, tag.timestamp, bytes([0x90]) + fourcc + config))
        elif not tag.is_end_of_sequence:
            header = 0x91 if tag.is_keyframe else 0xA1
            out.append(FlvTag(tag.type, tag.timestamp, bytes([header]) + fourcc + frame_of(frame)))
            frame += 1
    return out


class Av1PassThroughTest(IntegrationTest):
    """Enhanced RTMP 'av01' comes in over RTMP (sent by hand: ffmpeg 5.1 cannot), goes
    out unchanged over HTTP-FLV; HLS and the recording carry its audio and say once why
    the video is not there. Vp9PassThroughTest does the same with 'vp09'."""
    CODEC, FOURCC, CONFIG, FRAME, SUMMARY = "av1", b"av01", AV1_CONFIG, staticmethod(av1_frame), "AV1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record_dir = os.path.join(cls.workdir.path, "rec")
        cls.server = server = cls.start_class_server(
            config=f'[record]\nenabled = true\ndirectory = "{cls.record_dir}"\nfragment_ms = 1000\n')
        cls.tags = enhanced_tags(harness.sample_flv(cls.workdir, seconds=4), cls.FOURCC, cls.CONFIG, cls.FRAME)
        client = RawRtmp(server.rtmp_port)
        cls.addClassCleanup(client.close)
        client.handshake()
        client.publish(cls.CODEC)
        half = len(cls.tags) // 2
        for tag in cls.tags[:half]:
            client.send_tag(tag)
        server.wait_for_log(rf": live/{cls.CODEC}: video {cls.SUMMARY} \(passed through\)")
        # A viewer joining now gets the configs and the GOP so far, then the rest live.
        response = urllib.request.urlopen(server.http_url(f"live/{cls.CODEC}"), timeout=10)
        cls.addClassCleanup(response.close)
        for tag in cls.tags[half:]:
            client.send_tag(tag)
        client.unpublish(cls.CODEC)
        data = bytearray()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            chunk = response.read1(65536)
            if not chunk:
                break
            data += chunk
        cls.http_flv = Flv(bytes(data), f"HTTP-FLV of the {cls.SUMMARY} publish")

    def test_http_flv_passes_the_frames_through_unchanged(self):
        sent = [t.data for t in self.tags if t.type == harness.FLV_VIDEO]
        got = [t.data for t in self.http_flv.of_type(harness.FLV_VIDEO)]
        self.assertGreater(len(got), FPS, "video tags over HTTP-FLV")
        self.assertEqual(got[0], sent[0], "the SequenceStart with the configuration record comes first")
        self.assertEqual(EnhancedVideoTag(got[1]).frame_type, 1, "then a keyframe")
        self.assertEqual(got[1:], sent[len(sent) - len(got) + 1:],
                         "the coded frames arrive byte for byte as sent, none lost after the join")
        self.assertGreater(len(self.http_flv.of_type(harness.FLV_AUDIO)), 30, "audio tags over HTTP-FLV")

    def test_hls_and_recording_carry_the_audio_and_say_once_why_not_the_video(self):
        key = f"live/{self.CODEC}"
        self.server.wait_for_log(rf"recording {key}: .* done", timeout=15)
        self.assertEqual(len(self.server.log_lines(rf"{self.CODEC} video is not packaged for HLS")), 1, self.server.log())
        self.assertEqual(len(self.server.log_lines(rf"{self.CODEC} video is not recorded")), 1, self.server.log())
        self.assertFalse(self.server.log_lines(rf"{key}: closing"), "the publish was not a failure")
        files = sorted(glob.glob(os.path.join(self.record_dir, key, "*.mp4")))
        self.assertEqual(len(files), 1, files)
        out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", files[0]],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr[-600:])
        streams = json.loads(out.stdout)["streams"]
        self.assertEqual([s["codec_name"] for s in streams], ["aac"])


class Vp9PassThroughTest(Av1PassThroughTest):
    CODEC, FOURCC, CONFIG, FRAME, SUMMARY = "vp9", b"vp09", VP9_CONFIG, staticmethod(vp9_frame), "VP9"


if __name__ == "__main__":
    unittest.main()
