// Publish-to-playable latency of relaycast's HLS on loopback, glass to glass.
//
// Method. bench/clock_source.py is the camera: it makes 640x360 frames in real time
// and draws into each, as a barcode, the wall-clock time at which it made it. ffmpeg
// encodes them (libx264 ultrafast/zerolatency, a keyframe a second, and AAC of the
// tone the camera records with them, on the same clock) and publishes over RTMP to relaycast. Headless Chromium plays the stream with
// hls.js; for every frame put on screen (requestVideoFrameCallback) the page reads the
// barcode back from the picture and takes (time shown - time made). Camera, encoder,
// server and player share one machine and one clock, so the difference is the whole
// path: encoding, RTMP, packaging, HTTP, hls.js's buffer and the decoder.
// Each run plays for WARMUP s (hls.js settles on its target latency) and then keeps
// MEASURE s of samples; printed: median, 10th and 90th percentile, and hls.js's own
// `latency` and `targetLatency` (live edge minus playhead: the server's part of the
// path and the player's buffer, without encoder and ingest), and the median of the
// first 50 frames shown. Headless Chromium's playback clock (a fake audio sink) runs
// slow on a loaded machine; in LL mode hls.js corrects it by playing faster, in
// classic mode hls.js does not, and the latency then grows during a run (by 1-2 s
// over 20 s with a load average of 6 on 2 cores): the first frames give classic
// HLS's figure without that drift. Figures from a loaded machine are upper bounds.
//
// Runs: LL-HLS (ll.m3u8) with the hls.js settings of tests/e2e/player.html, LL-HLS
// with hls.js defaults (lowLatencyMode only), classic HLS (index.m3u8, hls.js
// defaults: three target durations behind the edge). Not part of `make test`.
//
// Usage: node bench/hls_latency.mjs   (env: RELAYCAST_BIN, WARMUP=10, MEASURE=20,
//        FPS=25, RUNS=ll,ll-default,classic, HLS_TOML="part_ms = 334" for [hls])
// Needs ffmpeg, python3, /usr/bin/chromium (CHROMIUM) and `npm ci` in tests/e2e.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, "..");
const E2E = path.join(ROOT, "tests", "e2e");
const HOST = "127.0.0.1";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WARMUP = Number(process.env.WARMUP || 10);
const MEASURE = Number(process.env.MEASURE || 20);
const FPS = Number(process.env.FPS || 25);
const RUNS = (process.env.RUNS || "ll,ll-default,classic").split(",");
const BIN = process.env.RELAYCAST_BIN || path.join(ROOT, "build", "relaycast");

// The hls.js settings of the player page of the browser test (tests/e2e/player.html).
const E2E_PLAYER_CONFIG = JSON.parse(
    fs.readFileSync(path.join(E2E, "player.html"), "utf8").match(/HLS_CONFIG = (\{.*?\});/s)?.[1] ??
    '{"lowLatencyMode": true}');
const RUN_KINDS = {
  "ll": { playlist: "ll.m3u8", config: E2E_PLAYER_CONFIG, what: "LL-HLS, hls.js as in tests/e2e/player.html" },
  "ll-default": { playlist: "ll.m3u8", config: { lowLatencyMode: true }, what: "LL-HLS, hls.js defaults" },
  "classic": { playlist: "index.m3u8", config: { lowLatencyMode: false }, what: "classic HLS (TS), hls.js defaults" },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "relaycast-latency-"));
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(workdir, { recursive: true, force: true });
});

// Output to <workdir>/<name>.log; `stdio`: what to give it as stdin and fd 3.
function start(name, argv, { stdio = ["ignore"] } = {}) {
  const fd = fs.openSync(path.join(workdir, `${name}.log`), "w");
  const child = spawn(argv[0], argv.slice(1), { stdio: [stdio[0], fd, fd, ...stdio.slice(1)] });
  fs.closeSync(fd);
  children.push(child);
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  if (!(await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]))) child.kill("SIGKILL");
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url, timeoutMs = 8000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: null, body: String(e) }));
  });
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

async function measure(browser, pageBase, base, kind) {
  const run = RUN_KINDS[kind];
  const page = await browser.newPage();
  const url = `${pageBase}/index.html?src=${encodeURIComponent(base + run.playlist)}` +
              `&config=${encodeURIComponent(JSON.stringify(run.config))}`;
  await page.goto(url, { timeout: 15000 });
  const state = () => page.evaluate(() => ({
    samples: window.samples.length, fatal: window.fatal, stalls: window.stalls, unreadable: window.unreadable,
    latency: window.hls.latency, target: window.hls.targetLatency, time: document.getElementById("video").currentTime,
  }));
  // Wait for playback, then warm up, then measure.
  for (let i = 0; (await state()).samples === 0; ++i) {
    if (i > 150) throw new Error(`${kind}: no frame shown in 30 s: ${JSON.stringify(await state())}`);
    await sleep(200);
  }
  await sleep(WARMUP * 1000);
  const from = Date.now();
  const hlsLatency = [], hlsTarget = [];
  while (Date.now() - from < MEASURE * 1000) {
    const s = await state();
    if (s.latency > 0) hlsLatency.push(s.latency);
    if (s.target > 0) hlsTarget.push(s.target);
    await sleep(500);
  }
  const result = await page.evaluate((from) => ({
    samples: window.samples.filter(([at]) => at >= from).map(([, ms]) => ms),
    first: window.samples.slice(0, 50).map(([, ms]) => ms),
    fatal: window.fatal, stalls: window.stalls, unreadable: window.unreadable, events: window.events,
  }), from);
  if (process.env.DEBUG) for (const [at, what] of result.events) console.log(`  ${kind} +${(at / 1000).toFixed(2)} s: ${what}`);
  await page.close();
  const g2g = result.samples.sort((a, b) => a - b);
  const first = result.first.sort((a, b) => a - b);
  const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  return { kind, what: run.what, g2g, first, hlsLatency: mean(hlsLatency), hlsTarget: mean(hlsTarget),
           stalls: result.stalls, unreadable: result.unreadable, fatal: result.fatal };
}

async function main() {
  for (const f of [BIN, CHROMIUM]) fs.accessSync(f, fs.constants.X_OK);
  const require = createRequire(path.join(E2E, "package.json"));
  const { chromium } = require("playwright-core");
  const [rtmpPort, httpPort, pagePort] = [await freePort(), await freePort(), await freePort()];
  const toml = path.join(workdir, "relaycast.toml");
  fs.writeFileSync(toml, `[hls]\n${(process.env.HLS_TOML || "").replaceAll(";", "\n")}\n`);
  const server = start("relaycast", [BIN, "serve", "--config", toml, "--bind", HOST, "--rtmp-port", String(rtmpPort),
                                     "--http-port", String(httpPort), "--srt-port", "0", "--log-level", "warn"]);
  await sleep(500);
  const stream = "live/latency";
  const seconds = RUNS.length * (WARMUP + MEASURE + 20) + 30;
  // The camera writes pictures to its stdout and sound to its fd 3; ffmpeg reads them
  // as its stdin and its fd 3, the same pipes (no copy through node). Tiny probes:
  // raw inputs need none, and a long one would wait for one input while the other
  // pipe fills up.
  const cameraLog = fs.openSync(path.join(workdir, "camera.log"), "w");
  const camera = spawn("python3", [path.join(HERE, "clock_source.py"), String(FPS), String(seconds), "3"],
                       { stdio: ["ignore", "pipe", cameraLog, "pipe"] });
  const raw = ["-probesize", "32", "-analyzeduration", "0"];
  const encoder = start("ffmpeg", [
    "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
    "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "640x360", "-r", String(FPS), ...raw, "-i", "pipe:0",
    "-f", "s16le", "-ar", "44100", "-ac", "1", ...raw, "-i", "pipe:3",
    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", String(FPS), "-b:v", "1500k",
    "-c:a", "aac", "-f", "flv", `rtmp://${HOST}:${rtmpPort}/${stream}`], { stdio: [camera.stdout, camera.stdio[3]] });
  fs.closeSync(cameraLog);
  children.push(camera);

  const base = `http://${HOST}:${httpPort}/${stream}/`;
  for (let i = 0; !(await get(base + "index.m3u8")).body.includes("#EXTINF"); ++i) {
    if (i > 100) throw new Error(`no segment after 20 s: ${fs.readFileSync(path.join(workdir, "ffmpeg.log"), "utf8")}`);
    await sleep(200);
  }
  const files = {
    "/index.html": [path.join(HERE, "latency_player.html"), "text/html"],
    "/hls.min.js": [path.join(E2E, "node_modules", "hls.js", "dist", "hls.min.js"), "text/javascript"],
  };
  const pages = http.createServer((req, res) => {
    const file = files[new URL(req.url, `http://${HOST}`).pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": file[1] });
    fs.createReadStream(file[0]).pipe(res);
  });
  await new Promise((r) => pages.listen(pagePort, HOST, r));
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
  });
  const ms = (v) => (v / 1000).toFixed(2);
  try {
    const segmentMs = Number((fs.readFileSync(toml, "utf8").match(/segment_ms\s*=\s*(\d+)/) || [0, 2000])[1]);
    console.log(`relaycast HLS latency on loopback: ${FPS} fps, keyframe every second, ${WARMUP} s warm-up, ` +
                `${MEASURE} s measured per run; [hls] ${process.env.HLS_TOML || "defaults"}`);
    for (const kind of RUNS) {
      const r = await measure(browser, `http://${HOST}:${pagePort}`, base, kind);
      const line = r.g2g.length
          ? `glass-to-glass median ${ms(quantile(r.g2g, 0.5))} s (p10 ${ms(quantile(r.g2g, 0.1))}, ` +
            `p90 ${ms(quantile(r.g2g, 0.9))}, ${r.g2g.length} frames)`
          : "no frame read";
      const start = r.first.length ? `; in the first 2 s of playback ${ms(quantile(r.first, 0.5))} s` : "";
      const segments = kind === "classic" ? `, ${(quantile(r.g2g, 0.5) / segmentMs).toFixed(2)} segments` : "";
      console.log(`${r.what}: ${line}${segments}${start}; hls.js latency ${r.hlsLatency.toFixed(2)} s ` +
                  `(target ${r.hlsTarget.toFixed(2)} s); ${r.stalls} stalls` +
                  (r.unreadable ? `; ${r.unreadable} unreadable frames` : "") +
                  (r.fatal.length ? `; FATAL ${r.fatal.join(",")}` : ""));
    }
  } finally {
    await browser.close().catch(() => {});
    pages.close();
    camera.kill("SIGTERM");
    await stop(encoder);
    await stop(server);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(`hls_latency: ${e.stack || e}`);
  process.exit(1);
});
