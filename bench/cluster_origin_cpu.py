#!/usr/bin/env python3
"""Origin CPU with edges in front against viewers directly on the origin, in one run
(issue 5's benchmark): an ffmpeg test pattern is published to a relaycast origin;
  A: VIEWERS HTTP-FLV viewers play from the origin itself;
  B: two edges pull the stream from the origin and VIEWERS/2 viewers play from each.
For each, the origin's CPU (utime + stime from /proc) over the measuring window, the
edges' CPU, and the bytes the viewers received. The viewers are one asyncio process
reading and discarding, so they cost the servers what real players would.

Usage: bench/cluster_origin_cpu.py [--viewers 400] [--seconds 20] [--workers 1]
Everything listens on 127.0.0.1, on free ports; needs build/relaycast and ffmpeg."""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time

from bench_support import HOST, ROOT, cpu_seconds, free_port

BIN = os.environ.get("RELAYCAST_BIN", os.path.join(ROOT, "build", "relaycast"))


class Node:
    def __init__(self, workdir, name, workers, config=""):
        self.rtmp, self.http = free_port(), free_port()
        argv = [BIN, "serve", "--bind", HOST, "--rtmp-port", str(self.rtmp), "--http-port", str(self.http),
                "--workers", str(workers), "--log-level", "warn", "--srt-port", "0"]
        if config:
            path = os.path.join(workdir, f"{name}.toml")
            with open(path, "w") as f:
                f.write(config)
            argv += ["--config", path]
        self.log = open(os.path.join(workdir, f"{name}.log"), "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((HOST, self.http), timeout=0.2).close()
                socket.create_connection((HOST, self.rtmp), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"relaycast {name} did not start")
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


async def viewer(port, path, counter, stop):
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        await writer.drain()
        while not stop.is_set():
            data = await reader.read(65536)
            if not data:
                counter["ended"] += 1
                return
            counter["bytes"] += len(data)
        writer.close()
    except OSError:
        counter["failed"] += 1


async def measure(targets, seconds, warmup, pids):
    """Viewers on (port, count) targets; CPU of `pids` over `seconds` after `warmup`."""
    stop = asyncio.Event()
    counter = {"bytes": 0, "ended": 0, "failed": 0}
    tasks = [asyncio.create_task(viewer(port, "/live/bench.flv", counter, stop))
             for port, n in targets for _ in range(n)]
    await asyncio.sleep(warmup)
    cpu0 = {p: cpu_seconds(p) for p in pids}
    bytes0, t0 = counter["bytes"], time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - t0
    cpu = {p: (cpu_seconds(p) - cpu0[p]) / elapsed * 100 for p in pids}
    received = counter["bytes"] - bytes0
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return cpu, received, counter


def main():
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--viewers", type=int, default=400)
    args.add_argument("--seconds", type=int, default=20)
    args.add_argument("--warmup", type=int, default=5)
    args.add_argument("--workers", type=int, default=1)
    a = args.parse_args()
    workdir = tempfile.mkdtemp(prefix="relaycast-cluster-bench-")
    origin = Node(workdir, "origin", a.workers)
    nodes = [origin]
    publisher = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-c:v", "libx264", "-preset", "veryfast",
         "-g", "50", "-b:v", "800k", "-c:a", "aac", "-b:a", "64k", "-f", "flv",
         f"rtmp://{HOST}:{origin.rtmp}/live/bench"], stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        direct = asyncio.run(measure([(origin.http, a.viewers)], a.seconds, a.warmup, [origin.proc.pid]))
        edge_config = f'[cluster]\nrole = "edge"\norigins = ["rtmp://{HOST}:{origin.rtmp}"]\nidle_timeout_ms = 60000\n'
        edges = [Node(workdir, f"edge{i}", a.workers, edge_config) for i in (1, 2)]
        nodes += edges
        half = a.viewers // 2
        via = asyncio.run(measure([(e.http, half) for e in edges], a.seconds, a.warmup,
                                  [origin.proc.pid] + [e.proc.pid for e in edges]))
    finally:
        publisher.terminate()
        for n in nodes:
            n.stop()

    def row(name, result, pid):
        cpu, received, counter = result
        return (f"{name:<34} origin CPU {cpu[pid]:6.1f} %   viewers got {received / a.seconds * 8 / 1e6:8.1f} Mbit/s"
                f"   ended {counter['ended']}, failed {counter['failed']}")
    print(f"relaycast origin CPU, {a.viewers} HTTP-FLV viewers, {a.workers} worker(s), {a.seconds} s window")
    print(row(f"{a.viewers} viewers on the origin", direct, origin.proc.pid))
    print(row(f"2 edges x {a.viewers // 2} viewers", via, origin.proc.pid))
    edge_cpu = [via[0][e.proc.pid] for e in edges]
    print(f"{'':<34} edges' CPU {edge_cpu[0]:.1f} % and {edge_cpu[1]:.1f} %")
    if via[0][origin.proc.pid] > 0:
        print(f"origin CPU ratio direct / behind edges: {direct[0][origin.proc.pid] / via[0][origin.proc.pid]:.1f}x")
    print(f"logs: {workdir}")


if __name__ == "__main__":
    main()
