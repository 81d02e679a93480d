"""Recording and replay.

Each publish of a recorded stream becomes a fragmented MP4 under
record.directory/app/name/; a crash loses at most the fragment being written; the
files replay as HLS over byte ranges (/vod/.../index.m3u8) and as plain .mp4 with
Range requests; a directory that cannot be written stops the recording with a reason,
never the live stream.
"""

import glob
import json
import os
import re
import subprocess
import time
import unittest
import urllib.request

import api_support as api
from harness import FPS, HOST, IntegrationTest, Probe, ffprobe_argv, probe_file, publisher_argv
from test_webhooks import Receiver


def fast_publisher_argv(url, seconds):
    """ffmpeg sending `seconds` of test pattern as fast as it can (no -re): 20 s of media
    in a second or two of wall time."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", str(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-g", str(2 * FPS), "-c:a", "aac", "-f", "flv", url]


def duration_of(path_or_url, timeout=60):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", path_or_url],
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise AssertionError(f"ffprobe {path_or_url} failed: {out.stderr[-600:]}")
    return float(json.loads(out.stdout)["format"]["duration"])


def recordings_of(directory, stream):
    return sorted(glob.glob(os.path.join(directory, stream, "*.mp4")))


class Recording(IntegrationTest):
    def config(self, directory, enabled=True, streams=None):
        # Each test's own state directory: the API's recording switches are kept there.
        state = os.path.join(self.workdir.path, "state")
        text = (f"[server]\nstate_dir = \"{state}\"\n"
                f"[record]\nenabled = {'true' if enabled else 'false'}\ndirectory = \"{directory}\"\nfragment_ms = 1000\n")
        if streams is not None:
            text += "streams = [" + ", ".join(f'"{s}"' for s in streams) + "]\n"
        return text

    def assert_monotonic(self, probe, codec_type):
        times = [Probe.seconds(p, "dts") for p in probe.packets_of(codec_type)]
        times = [t for t in times if t is not None]
        self.assertTrue(times, f"no {codec_type} packets")
        self.assertEqual(times, sorted(times), f"{codec_type} timestamps go backwards")

    def test_a_publish_is_recorded_and_replays_over_hls_and_as_mp4(self):
        directory = os.path.join(self.workdir.path, "rec")
        receiver = Receiver()
        self.addCleanup(receiver.close)
        server = self.start_server(config=self.config(directory) +
                                   f"[webhooks]\non_record_done = \"{receiver.url('/done')}\"\n")
        since = server.mark()
        publisher = self.spawn("publisher", fast_publisher_argv(server.rtmp_url("live/talk"), 20))
        self.assertEqual(publisher.wait(60), 0, publisher.stderr())
        server.wait_for_log(r"recording live/talk: .* done", timeout=10, since=since)
        files = recordings_of(directory, "live/talk")
        self.assertEqual(len(files), 1, files)
        path = files[0]
        self.assertRegex(os.path.basename(path), r"^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.mp4$")

        probe = probe_file(path)
        self.assertEqual(probe.stream("video")["codec_name"], "h264")
        self.assertEqual(probe.stream("audio")["codec_name"], "aac")
        self.assertEqual(len(probe.packets_of("video")), 20 * FPS, "every frame is in the file")
        self.assert_monotonic(probe, "video")
        self.assert_monotonic(probe, "audio")
        self.assertAlmostEqual(duration_of(path), 20.0, delta=0.3)
        done = receiver.wait_for("on_record_done", stream="live/talk")[0]["body"]
        self.assertEqual(done["file"], path)
        self.assertAlmostEqual(done["duration_s"], 20.0, delta=0.3)
        self.assertEqual(done["bytes"], os.path.getsize(path))
        # Flushed to disk every sync_s (5 s by default) of media, and at the end: 20 s make 5.
        syncs = re.search(r"\nrelaycast_recording_syncs_total (\d+)\n", api.call(server, "GET", "/metrics").text)
        self.assertIsNotNone(syncs, "no relaycast_recording_syncs_total in /metrics")
        self.assertIn(int(syncs.group(1)), (4, 5), "a flush every 5 s of media and one at the end")

        name = os.path.basename(path)
        base = f"http://{HOST}:{server.http_port}/vod/live/talk/{name}"
        # HLS over byte ranges of the file: ffmpeg reads it end to end.
        self.assertAlmostEqual(duration_of(base + "/index.m3u8"), 20.0, delta=0.3)
        out = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", base + "/index.m3u8", "-map", "0:v",
                              "-c", "copy", "-f", "null", "-"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr[-600:])
        hls = Probe(subprocess.run(ffprobe_argv(base + "/index.m3u8"), capture_output=True, text=True,
                                   timeout=60).stdout, "VOD playlist")
        self.assertEqual(len(hls.packets_of("video")), 20 * FPS, "the VOD playlist covers every frame")

        # The .mp4 itself, whole and by range.
        size = os.path.getsize(path)
        request = urllib.request.Request(base, headers={"Range": "bytes=100-199"})
        with urllib.request.urlopen(request, timeout=10) as r:
            self.assertEqual(r.status, 206)
            self.assertEqual(r.headers["Content-Range"], f"bytes 100-199/{size}")
            with open(path, "rb") as f:
                f.seek(100)
                self.assertEqual(r.read(), f.read(100))
        self.assertEqual(api.call(server, "GET", f"/vod/live/talk/../../etc/passwd").status, 404)
        self.assertEqual(api.call(server, "GET", "/vod/live/talk/nothing.mp4/index.m3u8").status, 404)

        # The API and the CLI list it; rm removes it.
        listed = api.call(server, "GET", "/api/v1/recordings").json
        entry = next(r for r in listed["recordings"] if r["file"] == name)
        self.assertEqual(entry["stream"], "live/talk")
        self.assertFalse(entry["in_progress"])
        self.assertAlmostEqual(entry["duration_ms"], 20000, delta=300)
        self.assertEqual(entry["hls_url"], f"/vod/live/talk/{name}/index.m3u8")
        self.assertEqual(listed["sessions"][0]["state"], "done", listed)
        url = f"http://{HOST}:{server.http_port}"
        status, out, err = api.cli(url, "recordings", "ls")
        self.assertEqual(status, 0, err)
        self.assertIn(name, out)
        status, out, err = api.cli(url, "recordings", "rm", f"live/talk/{name}")
        self.assertEqual(status, 0, err)
        self.assertFalse(os.path.exists(path))
        status, _, err = api.cli(url, "recordings", "rm", f"live/talk/{name}")
        self.assertEqual(status, 1)
        self.assertIn("no recording", err)

    def test_kill_9_in_the_middle_leaves_a_file_that_plays_up_to_the_last_second(self):
        directory = os.path.join(self.workdir.path, "crash")
        server = self.start_server(config=self.config(directory))
        since = server.mark()
        publisher = self.spawn("publisher", publisher_argv(server.rtmp_url("live/crash"), seconds=60))
        server.wait_for_log(r"recording live/crash to ", timeout=15, since=since)
        started = time.monotonic()
        time.sleep(6)
        server.proc.kill()  # SIGKILL: no chance to finish anything
        recorded_for = time.monotonic() - started
        publisher.kill()
        files = recordings_of(directory, "live/crash")
        self.assertEqual(len(files), 1, files)
        duration = duration_of(files[0])
        # At most the fragment being built (1 s) is lost, plus the publish pipeline.
        self.assertGreater(duration, recorded_for - 2.0, f"{duration:.2f} s recorded of {recorded_for:.2f} s")
        self.assertLess(duration, recorded_for + 0.5)
        probe = probe_file(files[0])
        self.assert_monotonic(probe, "video")

        # Cut in the middle of a fragment, as a power cut could leave it: the next start
        # repairs the file, and it still plays.
        with open(files[0], "ab") as f:
            f.write(b"\x00\x00\x10\x00moof" + b"\x00" * 100)
        restarted = self.start_server(config=self.config(directory))
        restarted.wait_for_log(r"torn fragment .* cut the last 108 bytes", timeout=5)
        self.assertAlmostEqual(duration_of(files[0]), duration, delta=0.05)

    def test_an_unwritable_directory_stops_the_recording_not_the_stream(self):
        blocker = os.path.join(self.workdir.path, "not-a-directory")
        with open(blocker, "w") as f:
            f.write("x")
        server = self.start_server(config=self.config(blocker))
        since = server.mark()
        publisher = self.spawn("publisher", publisher_argv(server.rtmp_url("live/nodisk"), seconds=30))
        server.wait_for_publish("live/nodisk", since=since)
        server.wait_for_log(r"recording live/nodisk stopped: cannot create directory .*not-a-directory", timeout=10,
                            since=since)
        # The stream plays on.
        out = subprocess.run(ffprobe_argv(server.rtmp_url("live/nodisk"), read_seconds=2), capture_output=True,
                             text=True, timeout=30)
        self.assertGreater(len(Probe(out.stdout, "rtmp play").packets_of("video")), 10, out.stderr[-300:])
        sessions = api.call(server, "GET", "/api/v1/recordings").json["sessions"]
        failed = [s for s in sessions if s["stream"] == "live/nodisk"]
        self.assertEqual(failed[0]["state"], "failed", sessions)
        self.assertIn("cannot create directory", failed[0]["error"])
        metrics = api.call(server, "GET", "/metrics").text
        self.assertRegex(metrics, r"\nrelaycast_recording_failures_total 1\n")
        publisher.kill()

    def test_the_api_starts_and_stops_the_recording_of_a_live_stream(self):
        directory = os.path.join(self.workdir.path, "api")
        server = self.start_server(config=self.config(directory, enabled=False))
        since = server.mark()
        publisher = self.spawn("publisher", publisher_argv(server.rtmp_url("live/onair"), seconds=30))
        server.wait_for_publish("live/onair", since=since)
        time.sleep(1)
        self.assertEqual(recordings_of(directory, "live/onair"), [], "record.enabled = false records nothing")
        url = f"http://{HOST}:{server.http_port}"
        status, out, err = api.cli(url, "recordings", "start", "live/onair")
        self.assertEqual(status, 0, err)
        server.wait_for_log(r"recording live/onair to ", timeout=10, since=since)
        time.sleep(4)
        listed = api.call(server, "GET", "/api/v1/recordings").json
        live = [r for r in listed["recordings"] if r["stream"] == "live/onair"]
        self.assertTrue(live and live[0]["in_progress"], listed)
        # While it is written, its playlist is an EVENT one that grows.
        playlist = api.call(server, "GET", f"/vod/live/onair/{live[0]['file']}/index.m3u8").text
        self.assertIn("#EXT-X-PLAYLIST-TYPE:EVENT", playlist)
        self.assertNotIn("#EXT-X-ENDLIST", playlist)
        status, out, err = api.cli(url, "recordings", "stop", "live/onair")
        self.assertEqual(status, 0, err)
        server.wait_for_log(r"recording live/onair: .* done", timeout=10, since=since)
        files = recordings_of(directory, "live/onair")
        self.assertEqual(len(files), 1)
        self.assertGreater(duration_of(files[0]), 3.0)
        publisher.kill()

    def test_recordings_the_api_started_or_stopped_stay_so_after_a_restart(self):
        # The config records live/cam only; the operator adds live/slides and stops
        # live/cam through the API, before either is live. After a restart (an upgrade,
        # a crash in the middle of the event) that is still what happens.
        directory = os.path.join(self.workdir.path, "switches")
        config = self.config(directory, streams=["live/cam"])
        first = self.start_server(config=config)
        url = f"http://{HOST}:{first.http_port}"
        for verb, stream in (("start", "live/slides"), ("stop", "live/cam")):
            status, out, err = api.cli(url, "recordings", verb, stream)
            self.assertEqual(status, 0, err)
        first.stop()

        second = self.start_server(config=config)
        second.wait_for_log(r"recordings: as the API last said .*: 1 more recorded, 1 not", timeout=5)
        since = second.mark()
        publishers = [self.spawn(f"publisher {s}", fast_publisher_argv(second.rtmp_url(s), 6))
                      for s in ("live/slides", "live/cam")]
        for p in publishers:
            self.assertEqual(p.wait(60), 0, p.stderr())
        second.wait_for_log(r"recording live/slides: .* done", timeout=10, since=since)
        slides = recordings_of(directory, "live/slides")
        self.assertEqual(len(slides), 1, slides)
        self.assertGreater(duration_of(slides[0]), 5.0)
        self.assertEqual(recordings_of(directory, "live/cam"), [], "live/cam was stopped through the API")

        # Started again through the API, the config's choice is back after the next restart.
        status, out, err = api.cli(f"http://{HOST}:{second.http_port}", "recordings", "start", "live/cam")
        self.assertEqual(status, 0, err)
        second.stop()
        third = self.start_server(config=config)
        third.wait_for_log(r"recordings: as the API last said .*: 2 more recorded, 0 not", timeout=5)


if __name__ == "__main__":
    unittest.main()
