#!/usr/bin/env python3
"""Soak: a publisher that reconnects every RECONNECT s and VIEWERS viewers churning
(joining and leaving at random) on RTMP, HTTP-FLV and HLS, for DURATION s.

Pass: the server never exits; no viewer is lost except by policy (a viewer whose
stream ended because the publisher reconnected, or one we stopped ourselves); RSS is
flat after warm-up (the last third's mean within 10 % of the second third's).
Prints the RSS curve (one sample every 10 s) and a summary; exit status 1 on failure.

Usage: bench/soak.py [--duration 600] [--viewers 200] [--reconnect 30] [--bin build/relaycast]
Not part of `make test` (`make soak`).
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from bench_support import HOST, ROOT, free_port, rss_kb


class HlsViewer(threading.Thread):
    """A player that polls the LL-HLS playlist and fetches each new part, as hls.js does
    (without blocking reloads): enough to keep the HLS path busy and to notice errors."""

    def __init__(self, base, stop_at):
        super().__init__(daemon=True)
        self.base, self.stop_at, self.errors, self.fetched, self.stopped = base, stop_at, [], 0, False

    def run(self):
        seen = set()
        while not self.stopped and time.monotonic() < self.stop_at:
            try:
                playlist = urllib.request.urlopen(self.base + "/ll.m3u8", timeout=5).read().decode()
                for line in playlist.splitlines():
                    uri = line.split('URI="')[1].split('"')[0] if 'URI="' in line else (
                        line if line and not line.startswith("#") else None)
                    if uri and uri not in seen and not line.startswith("#EXT-X-PRELOAD-HINT"):
                        seen.add(uri)
                        urllib.request.urlopen(self.base + "/" + uri, timeout=5).read()
                        self.fetched += 1
            except Exception as e:  # 404 while the publisher reconnects is expected
                if "404" not in str(e):
                    self.errors.append(str(e))
            time.sleep(0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=600)
    ap.add_argument("--viewers", type=int, default=200)
    ap.add_argument("--reconnect", type=int, default=30)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "relaycast"))
    args = ap.parse_args()

    rtmp_port, http_port = free_port(), free_port()
    log = open("/tmp/relaycast-soak.log", "w")
    server = subprocess.Popen([args.bin, "serve", "--bind", HOST, "--rtmp-port", str(rtmp_port), "--http-port",
                               str(http_port), "--srt-port", "0", "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1)
    stream = "live/soak"
    rtmp_url, flv_url = f"rtmp://{HOST}:{rtmp_port}/{stream}", f"http://{HOST}:{http_port}/{stream}.flv"
    hls_base = f"http://{HOST}:{http_port}/{stream}"
    start = time.monotonic()
    end = start + args.duration
    publisher, publisher_restarts = None, []
    viewers = []  # (proc or thread, kind, leave_at)
    lost, by_policy, churned, started = [], 0, 0, 0
    curve = []
    next_sample = start

    def spawn_viewer():
        nonlocal started
        kind = random.choice(["rtmp", "flv", "hls"])
        leave_at = time.monotonic() + random.uniform(10, 60)
        if kind == "rtmp":
            v = subprocess.Popen(["rtmpdump", "-q", "-v", "-r", rtmp_url, "-o", "/dev/null"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif kind == "flv":
            v = subprocess.Popen(["curl", "-sS", "-o", "/dev/null", flv_url],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            v = HlsViewer(hls_base, leave_at)
            v.start()
        started += 1
        viewers.append((v, kind, leave_at))

    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if server.poll() is not None:
                print(f"FAIL: the server exited with {server.returncode} after {now - start:.0f} s")
                return 1
            if publisher is None or now - publisher_restarts[-1] >= args.reconnect:
                if publisher:
                    publisher.send_signal(signal.SIGINT)
                    publisher.wait(10)
                publisher = subprocess.Popen(
                    ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                     "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                     "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60", "-b:v", "2500k",
                     "-c:a", "aac", "-f", "flv", rtmp_url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                publisher_restarts.append(now)
                time.sleep(2)
            still = []
            for v, kind, leave_at in viewers:
                done = (not v.is_alive()) if kind == "hls" else (v.poll() is not None)
                if time.monotonic() >= leave_at and not done:
                    if kind == "hls":
                        v.stopped = True
                    else:
                        v.terminate()
                        v.wait(5)
                    churned += 1
                elif done:
                    near_restart = any(abs(time.monotonic() - t) < 5 for t in publisher_restarts)
                    if kind == "hls":
                        if v.errors:
                            lost.append((kind, v.errors[:2]))
                    elif near_restart:
                        by_policy += 1
                    else:
                        lost.append((kind, f"exit {v.returncode} at {time.monotonic() - start:.0f} s"))
                else:
                    still.append((v, kind, leave_at))
            viewers[:] = still
            while len(viewers) < args.viewers:
                spawn_viewer()
            if time.monotonic() >= next_sample:
                curve.append((round(time.monotonic() - start), rss_kb(server.pid)))
                print(f"t={curve[-1][0]:4d} s  rss={curve[-1][1]:7d} KB  viewers={len(viewers)}", flush=True)
                next_sample += 10
            time.sleep(0.2)
    finally:
        for v, kind, _ in viewers:
            if kind == "hls":
                v.stopped = True
            else:
                v.kill()
        if publisher:
            publisher.kill()
        alive = server.poll() is None
        server.terminate()
        server.wait(10)

    third = max(1, len(curve) // 3)
    mid = sum(r for _, r in curve[third:2 * third]) / max(1, len(curve[third:2 * third]))
    last = sum(r for _, r in curve[2 * third:]) / max(1, len(curve[2 * third:]))
    flat = last <= mid * 1.10
    print(f"viewers started {started}, left by churn {churned}, ended with their stream {by_policy}, "
          f"lost {len(lost)}; publisher restarts {len(publisher_restarts)}")
    print(f"RSS mean second third {mid:.0f} KB, last third {last:.0f} KB: {'flat' if flat else 'GROWING'}")
    for l in lost[:10]:
        print("lost:", l)
    ok = alive and not lost and flat
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
