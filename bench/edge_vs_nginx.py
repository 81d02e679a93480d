#!/usr/bin/env python3
"""Edge CPU per delivered byte: relaycast as an edge against nginx-rtmp as an edge (its
`pull` directive), in the same run (issue 5's benchmark).

One relaycast origin on 127.0.0.1 takes an ffmpeg publish (the shared harness's test clip,
a 1280x720 testsrc2 pattern, ~2.5 Mbit/s, sent in real time with -re, looped, -c copy so
that no encoder competes for the 2 cores). Then, one after the other (never both at once):
  relaycast  relaycast serve --role edge --origin rtmp://127.0.0.1:P --workers 1
  nginx      nginx 1.22 + nginx-rtmp, master + 1 worker, `live on; pull rtmp://127.0.0.1:P/live;`
each serving VIEWERS rtmpdump players (`rtmpdump -q -v -r URL -o FILE`, files on /dev/shm,
as in ../shared/bench). For each edge, over a SECONDS window after a warm-up:
  edge CPU s   utime + stime from /proc of the edge process and its descendants
  bytes        growth of the players' output files (FLV as received) in the window
  ns/B         edge CPU ns per delivered byte, and the ratio relaycast / nginx.
The relaycast edge runs as shipped (HLS muxing on for the pulled stream, as an origin does);
`--edges relaycast-nohls,...` adds a relaycast edge with [hls] enabled = false, which matches
nginx's edge config (no hls) more closely.

Usage: bench/edge_vs_nginx.py [--viewers 200] [--seconds 20] [--edges relaycast,nginx]
Needs build/relaycast (RELAYCAST_BIN=...), ffmpeg, rtmpdump, nginx + libnginx-mod-rtmp and the
clip $BENCH_OUT/media/test.flv (made by ../shared/bench/make_media.sh if missing).
Children are stopped by their own PIDs; everything is bounded in time."""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from bench_support import HOST, ROOT, TICK, free_port

BIN = os.environ.get("RELAYCAST_BIN", os.path.join(ROOT, "build", "relaycast"))
HARNESS = os.environ.get("HARNESS", os.path.join(ROOT, "..", "shared", "bench"))
BENCH_OUT = os.environ.get("BENCH_OUT", "/tmp/relaycast-bench")
NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def wait_port(port, proc, what, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{what} did not start (listening on {port})")
            time.sleep(0.05)


def tree(root):
    """root pid and all its descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
            except OSError:
                continue
            kids.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(root):
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                s = f.read()
        except OSError:
            continue
        fl = s[s.rindex(")") + 2:].split()
        total += int(fl[11]) + int(fl[12])
    return total / TICK


def box_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return sum(v) - v[3] - v[4], sum(v)


def sizes(paths):
    out = []
    for p in paths:
        try:
            out.append(os.path.getsize(p))
        except OSError:
            out.append(0)
    return out


def stop(procs, grace=5.0):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    end = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(max(0.05, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(2)


def start_relaycast(workdir, name, extra, config=""):
    rtmp, http = free_port(), free_port()
    argv = [BIN, "serve", "--bind", HOST, "--rtmp-port", str(rtmp), "--http-port", str(http),
            "--srt-port", "0", "--workers", "1", "--log-level", "warn"] + extra
    if config:
        path = os.path.join(workdir, f"{name}.toml")
        with open(path, "w") as f:
            f.write(config)
        argv += ["--config", path]
    proc = subprocess.Popen(argv, stdout=open(os.path.join(workdir, f"{name}.log"), "w"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_port(rtmp, proc, name)
    return proc, rtmp


def start_nginx(workdir, origin_port):
    prefix = os.path.join(workdir, "nginx")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    port = free_port()
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""load_module {NGINX_MODULE};
daemon off;
master_process on;
worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
worker_rlimit_nofile 20000;
events {{ worker_connections 8192; }}
rtmp {{
    server {{
        listen {HOST}:{port};
        chunk_size 4096;
        application live {{
            live on;
            record off;
            pull rtmp://{HOST}:{origin_port}/live;
        }}
    }}
}}
""")
    argv = ["nginx", "-p", prefix, "-e", os.path.join(prefix, "error.log"), "-c", conf]
    subprocess.run(argv + ["-t", "-q"], check=True)
    proc = subprocess.Popen(argv, stdout=open(os.path.join(prefix, "stdout.log"), "w"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_port(port, proc, "nginx")
    return proc, port


def measure(name, edge_proc, edge_port, origin_proc, a, playdir):
    """VIEWERS rtmpdump players on the edge; CPU and bytes over the window."""
    url = f"rtmp://{HOST}:{edge_port}/live/bench"
    os.makedirs(playdir, exist_ok=True)
    files = [os.path.join(playdir, f"{name}-{i}.flv") for i in range(a.viewers)]
    limit = a.warmup + a.seconds + 30 + a.viewers * a.gap
    players = []

    def spawn(path):
        players.append(subprocess.Popen(
            ["timeout", "-k", "5", str(int(limit)), "rtmpdump", "-q", "-v", "-r", url, "-o", path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    try:
        spawn(files[0])                     # the first viewer makes the edge pull from the origin
        deadline = time.monotonic() + 10
        while sizes(files[:1])[0] < 100_000 and time.monotonic() < deadline:
            time.sleep(0.1)
        first_ok = sizes(files[:1])[0] >= 100_000
        for f in files[1:]:
            spawn(f)
            time.sleep(a.gap)
        time.sleep(a.warmup)
        c0, o0, b0, busy0, t0 = (cpu_seconds(edge_proc.pid), cpu_seconds(origin_proc.pid),
                                 sizes(files), box_busy(), time.monotonic())
        time.sleep(a.seconds)
        c1, o1, b1, busy1, t1 = (cpu_seconds(edge_proc.pid), cpu_seconds(origin_proc.pid),
                                 sizes(files), box_busy(), time.monotonic())
        dead = sum(p.poll() is not None for p in players)
    finally:
        stop(players)
        shutil.rmtree(playdir, ignore_errors=True)
    elapsed = t1 - t0
    got = [y - x for x, y in zip(b0, b1)]
    total = sum(got)
    cpu = c1 - c0
    media_bps = a.media_bps
    return {
        "edge": name, "viewers": a.viewers, "window_s": round(elapsed, 2),
        "first_viewer_got_stream": first_ok,
        "edge_cpu_s": round(cpu, 2), "edge_cpu_pct_of_one_core": round(cpu / elapsed * 100, 1),
        "origin_cpu_pct_of_one_core": round((o1 - o0) / elapsed * 100, 1),
        "bytes_delivered": total, "delivered_mbit_s": round(total * 8 / elapsed / 1e6, 1),
        "per_viewer_mbit_s_mean": round(total * 8 / elapsed / 1e6 / a.viewers, 2),
        "per_viewer_mbit_s_min": round(min(got) * 8 / elapsed / 1e6, 2),
        "viewers_failed_or_exited": dead,
        "viewers_zero_bytes": sum(g == 0 for g in got),
        "viewers_below_90pct_media_rate": sum(g * 8 / elapsed < 0.9 * media_bps for g in got) if media_bps else None,
        "box_cpu_busy_pct": round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * 100, 1),
        "cpu_ns_per_byte": round(cpu * 1e9 / total, 3) if total else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--viewers", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--gap", type=float, default=0.01, help="seconds between player starts")
    ap.add_argument("--edges", default="relaycast,nginx",
                    help="comma list, measured in this order: relaycast, relaycast-nohls, nginx")
    a = ap.parse_args()
    edges = a.edges.split(",")
    if not all(e in ("relaycast", "relaycast-nohls", "nginx") for e in edges):
        sys.exit("--edges: relaycast, relaycast-nohls, nginx")
    if not os.access(BIN, os.X_OK):
        sys.exit(f"build relaycast first: {BIN}")
    if "nginx" in edges and not os.path.exists(NGINX_MODULE):
        sys.exit("nginx-rtmp missing: apt-get install nginx libnginx-mod-rtmp")
    media = os.path.join(BENCH_OUT, "media", "test.flv")
    if not os.path.exists(media):
        subprocess.run([os.path.join(HARNESS, "make_media.sh")], check=True, env=dict(os.environ, BENCH_OUT=BENCH_OUT))
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=bit_rate", "-of",
                          "default=nw=1:nk=1", media], capture_output=True, text=True).stdout.strip()
    a.media_bps = int(out) if out.isdigit() else 0
    workdir = tempfile.mkdtemp(prefix="relaycast-edge-bench-")
    playdir = f"/dev/shm/relaycast-edge-bench.{os.getpid()}"
    procs = []
    results = []
    try:
        origin, oport = start_relaycast(workdir, "origin", [])
        procs.append(origin)
        total = (a.viewers * a.gap + a.warmup + a.seconds + 25) * len(edges) + 60
        pub = subprocess.Popen(
            ["timeout", "-k", "5", str(int(total)), "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
             "-re", "-stream_loop", "-1", "-i", media, "-map", "0", "-c", "copy", "-f", "flv",
             f"rtmp://{HOST}:{oport}/live/bench"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(workdir, "publisher.log"), "w"))
        procs.append(pub)
        time.sleep(3)
        for name in edges:
            if name == "nginx":
                edge, port = start_nginx(workdir, oport)
            else:
                cfg = "[hls]\nenabled = false\n" if name == "relaycast-nohls" else ""
                edge, port = start_relaycast(workdir, name, ["--role", "edge", "--origin", f"rtmp://{HOST}:{oport}"], cfg)
            try:
                r = measure(name, edge, port, origin, a, playdir)
            finally:
                stop([edge])                           # nginx: SIGTERM to the master stops its worker
            if pub.poll() is not None:
                sys.exit("the publisher stopped during the run, see " + workdir)
            results.append(r)
            print(f"# {name}: " + " ".join(f"{k}={v}" for k, v in r.items()), flush=True)
            time.sleep(2)
    finally:
        stop(procs[::-1])
        shutil.rmtree(playdir, ignore_errors=True)

    print(f"\nedge CPU per delivered byte, {a.viewers} rtmpdump viewers per edge, {a.seconds} s window, "
          f"edges measured one after the other ({', '.join(edges)}), media {a.media_bps / 1e6:.2f} Mbit/s")
    print(f"{'edge':<17}{'cpu ns/B':>9}{'cpu %':>8}{'Mbit/s out':>11}{'failed':>8}{'zero':>6}{'<90%':>6}{'box busy %':>11}")
    for r in results:
        print(f"{r['edge']:<17}{r['cpu_ns_per_byte']!s:>9}{r['edge_cpu_pct_of_one_core']:>8}{r['delivered_mbit_s']:>11}"
              f"{r['viewers_failed_or_exited']:>8}{r['viewers_zero_bytes']:>6}{r['viewers_below_90pct_media_rate']!s:>6}"
              f"{r['box_cpu_busy_pct']:>11}")
    by = {r["edge"]: r["cpu_ns_per_byte"] for r in results}
    for name in ("relaycast", "relaycast-nohls"):
        if by.get(name) and by.get("nginx"):
            print(f"RATIO {name}/nginx cpu_ns_per_byte = {by[name] / by['nginx']:.2f}")
    print(f"logs: {workdir}")


if __name__ == "__main__":
    main()
