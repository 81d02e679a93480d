#!/usr/bin/env python3
"""Memory per viewer, measured directly: one relaycast worker, one 2.5 Mbit/s stream,
then viewers added in batches. RSS is sampled once the stream is warm (its ring, GOP
cache and HLS segments at their steady size) and after each batch has played a few
seconds. The first batch pays for the allocator's warm-up; the later batches show the
steady cost of one more viewer, which is what the 16 KB goal is about.

Usage: bench/viewer_memory.py [--batch 200] [--batches 3] [--kind rtmp|flv] [--bin build/relaycast]
Not part of `make test`.
"""
import argparse
import os
import subprocess
import sys
import time

from bench_support import HOST, ROOT, free_port, rss_kb


def settled_rss(pid, seconds):
    """The median of one sample a second: a single sample catches a segment being cut."""
    samples = []
    for _ in range(seconds):
        time.sleep(1)
        samples.append(rss_kb(pid))
    return sorted(samples)[len(samples) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--kind", choices=["rtmp", "flv"], default="rtmp")
    ap.add_argument("--warmup", type=int, default=10, help="seconds of publishing before the first sample")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "relaycast"))
    args = ap.parse_args()

    rtmp_port, http_port = free_port(), free_port()
    server = subprocess.Popen([args.bin, "serve", "--bind", HOST, "--rtmp-port", str(rtmp_port), "--http-port",
                               str(http_port), "--srt-port", "0", "--workers", "1", "--log-level", "warn"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = []
    try:
        time.sleep(1)
        rtmp_url = f"rtmp://{HOST}:{rtmp_port}/live/mem"
        flv_url = f"http://{HOST}:{http_port}/live/mem.flv"
        procs.append(subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
             "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60", "-b:v", "2500k",
             "-c:a", "aac", "-f", "flv", rtmp_url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(args.warmup)
        base = settled_rss(server.pid, 5)
        print(f"stream warm: RSS {base} KB")
        previous, viewers, after_first = base, 0, None
        for batch in range(args.batches):
            for _ in range(args.batch):
                cmd = (["rtmpdump", "-q", "-v", "-r", rtmp_url, "-o", "/dev/null"] if args.kind == "rtmp" else
                       ["curl", "-sS", "-o", "/dev/null", flv_url])
                procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            viewers += args.batch
            time.sleep(3)
            rss = settled_rss(server.pid, 5)
            alive = sum(1 for p in procs[1:] if p.poll() is None)
            print(f"{viewers:5d} {args.kind} viewers ({alive} alive): RSS {rss} KB, "
                  f"+{(rss - previous) / args.batch:.1f} KB per viewer in this batch")
            previous = rss
            after_first = rss if after_first is None else after_first
        print(f"all viewers: {(previous - base) / viewers:.1f} KB each")
        if args.batches > 1:
            print(f"marginal (batches after the first): "
                  f"{(previous - after_first) / (viewers - args.batch):.1f} KB per viewer")
        return 0 if server.poll() is None else 1
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
