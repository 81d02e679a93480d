// Browser test: hls.js (lowLatencyMode) in Debian's chromium, driven by
// playwright-core, plays relaycast's LL-HLS playlist of a stream that ffmpeg
// publishes over RTMP. Asserts that the video plays on (currentTime advances by
// PLAY_SECONDS) without a fatal hls.js error, and that the live latency hls.js reports
// (live edge minus playhead, the median of the last two seconds) is at most
// MAX_LATENCY (issue 3: LL-HLS <= 2 s; about 1.3 s on loopback with player.html's
// settings, a stall on a loaded machine adds 0.25 s), or 10 s when chromium has too
// little CPU to play in real time; prints it as "LL-HLS latency: X s".
//
// Run: node tests/e2e/hls_player.test.mjs (CTest: e2e.hls_player). Needs
// RELAYCAST_BIN (CTest sets it; else build*/relaycast is looked for), ffmpeg,
// /usr/bin/chromium (or CHROMIUM) and `npm ci` in tests/e2e. Without chromium or
// node_modules it prints "SKIPPED: <reason>" and exits 0. Everything is on 127.0.0.1;
// every child process is killed at the end, and the whole run is bounded.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import assert from "node:assert/strict";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOST = "127.0.0.1";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PLAY_SECONDS = 5;   // currentTime must advance at least this much
const PUBLISH_SECONDS = 60;  // upper bound; the publisher is killed when the test is done
const OVERALL_MS = 110_000;
const MAX_LATENCY = Number(process.env.E2E_MAX_LATENCY || 2.0);  // seconds
const SETTLE_SECONDS = 15;  // longest wait, after PLAY_SECONDS, for hls.js to reach it

function skipReason() {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch {
    return `${CHROMIUM} not found (apt-get install chromium)`;
  }
  for (const pkg of ["playwright-core", "hls.js"]) {
    if (!fs.existsSync(path.join(HERE, "node_modules", pkg, "package.json")))
      return `tests/e2e/node_modules/${pkg} missing (cd tests/e2e && npm ci)`;
  }
  return null;
}

function relaycastBin() {
  if (process.env.RELAYCAST_BIN) return process.env.RELAYCAST_BIN;
  for (const dir of ["build", "build-it", "build-hlst"]) {
    const candidate = path.join(HERE, "..", "..", dir, "relaycast");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error("set RELAYCAST_BIN to the relaycast binary (CTest does)");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    sock.setTimeout(500);
    sock.on("connect", () => { sock.destroy(); resolve(true); });
    sock.on("error", () => resolve(false));
    sock.on("timeout", () => { sock.destroy(); resolve(false); });
  });
}

function httpGet(url, timeoutMs = 5000) {
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

// ---- Child processes, all killed at the end ------------------------------------

const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "relaycast-e2e-"));
const children = [];

function start(name, argv) {
  const log = path.join(workdir, `${name}.log`);
  const fd = fs.openSync(log, "w");
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  child.logPath = log;
  child.label = name;
  child.on("error", (e) => fs.appendFileSync(log, `spawn error: ${e}\n`));
  children.push(child);
  return child;
}

function logTail(child, lines = 25) {
  try {
    return fs.readFileSync(child.logPath, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  if (await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])) return;
  child.kill("SIGKILL");
  await Promise.race([exited, sleep(2000)]);
}

function killAllNow() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
process.on("exit", killAllNow);

// A static server for the page and hls.min.js (the page's origin differs from
// relaycast's: the playlist and media come with CORS headers).
function startStaticServer(port) {
  const files = {
    "/index.html": [path.join(HERE, "player.html"), "text/html; charset=utf-8"],
    "/hls.min.js": [path.join(HERE, "node_modules", "hls.js", "dist", "hls.min.js"), "text/javascript"],
  };
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url, `http://${HOST}`).pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": file[1], "Cache-Control": "no-store" });
    fs.createReadStream(file[0]).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, HOST, () => resolve(server)));
}

// ---- The test ------------------------------------------------------------------

const reason = skipReason();
if (reason) console.log(`SKIPPED: ${reason}`);

test("hls.js plays relaycast's LL-HLS in chromium", { skip: reason || false, timeout: OVERALL_MS }, async () => {
  const watchdog = setTimeout(() => {
    console.error(`e2e: still running after ${OVERALL_MS / 1000} s; killing everything`);
    killAllNow();
    process.exit(1);
  }, OVERALL_MS + 10_000);
  watchdog.unref();

  const { chromium } = await import("playwright-core");
  const [rtmpPort, httpPort, pagePort] = [await freePort(), await freePort(), await freePort()];
  const relaycast = start("relaycast", [relaycastBin(), "serve", "--bind", HOST, "--rtmp-port", String(rtmpPort),
                                        "--http-port", String(httpPort), "--srt-port", "0", "--log-level", "info"]);
  for (let i = 0; !((await accepts(rtmpPort)) && (await accepts(httpPort))); ++i) {
    assert.ok(relaycast.exitCode === null && i < 100, `relaycast did not start listening\n${logTail(relaycast)}`);
    await sleep(100);
  }

  const stream = "live/e2e";
  const publisher = start("publisher", [
    "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
    "-t", String(PUBLISH_SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
    "-g", "25", "-c:a", "aac", "-f", "flv", `rtmp://${HOST}:${rtmpPort}/${stream}`]);
  const playlist = `http://${HOST}:${httpPort}/${stream}/ll.m3u8`;
  for (let i = 0; ; ++i) {
    const r = await httpGet(playlist);
    if (r.status === 200 && r.body.includes("#EXT-X-PART:")) break;
    assert.ok(i < 150 && publisher.exitCode === null,
              `${playlist} never listed a part (last: ${r.status})\n--- publisher:\n${logTail(publisher)}\n` +
              `--- relaycast:\n${logTail(relaycast)}`);
    await sleep(100);
  }

  const pageServer = await startStaticServer(pagePort);
  const userDataDir = fs.mkdtempSync(path.join(workdir, "chromium-profile-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--autoplay-policy=no-user-gesture-required"],
  });
  const consoleLines = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e}`));
    await page.goto(`http://${HOST}:${pagePort}/index.html?src=${encodeURIComponent(playlist)}`,
                    { timeout: 15_000 });

    const snapshot = () => page.evaluate(() => {
      const v = document.getElementById("video");
      const h = window.hls;
      return {
        currentTime: v.currentTime, paused: v.paused, readyState: v.readyState,
        bufferAhead: v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0,
        width: v.videoWidth, height: v.videoHeight,
        latency: h ? h.latency : null, targetLatency: h ? h.targetLatency : null,
        playingDate: h && h.playingDate ? h.playingDate.getTime() : null, now: Date.now(),
        lowLatencyMode: h ? h.lowLatencyMode : null,
        partTarget: h && h.levels && h.levels[0] && h.levels[0].details ? h.levels[0].details.partTarget : null,
        ...window.state,
      };
    });
    const context_ = (s) =>
      `\nstate: ${JSON.stringify(s)}\n--- page console:\n${consoleLines.slice(-20).join("\n")}` +
      `\n--- relaycast:\n${logTail(relaycast, 15)}`;

    // Playback starts, then plays on for PLAY_SECONDS.
    let s = await snapshot();
    const deadline = Date.now() + 40_000;
    let startedAt = null, startedWall = null;
    const latencies = [];
    while (true) {
      s = await snapshot();
      assert.deepEqual(s.fatal, [], `hls.js fatal error${context_(s)}`);
      if (startedAt === null && s.currentTime > 0) {
        startedAt = s.currentTime;
        startedWall = s.now;
      }
      if (startedAt !== null && s.latency > 0) latencies.push(s.latency);
      if (startedAt !== null && s.currentTime - startedAt >= PLAY_SECONDS) break;
      assert.ok(Date.now() < deadline,
                `video.currentTime went from ${startedAt} to ${s.currentTime} in 40 s; wanted +${PLAY_SECONDS} s` +
                context_(s));
      assert.ok(publisher.exitCode === null, `the publisher stopped\n${logTail(publisher)}`);
      await sleep(250);
    }
    // Longer, while hls.js catches up with its target (at up to 1.5x: a stall at the
    // start on a busy machine costs a few seconds of it): two seconds at least, until
    // the median of the last two seconds is within MAX_LATENCY, SETTLE_SECONDS at most.
    const recentMedian = () => {
      const recent = latencies.slice(-8).sort((a, b) => a - b);
      return recent[Math.floor(recent.length / 2)];
    };
    for (let i = 0; i < 8 || (i < SETTLE_SECONDS * 4 && !(recentMedian() <= MAX_LATENCY)); ++i) {
      await sleep(250);
      s = await snapshot();
      assert.deepEqual(s.fatal, [], `hls.js fatal error${context_(s)}`);
      if (s.latency > 0) latencies.push(s.latency);
    }
    assert.equal(s.width, 640, `video width${context_(s)}`);
    assert.equal(s.height, 360, `video height${context_(s)}`);
    assert.equal(s.lowLatencyMode, true);
    assert.ok(s.blockingReloads > 0, `hls.js made no blocking playlist reload (_HLS_msn): not in LL mode${context_(s)}`);
    assert.ok(s.parts > 0, `hls.js loaded no partial segment${context_(s)}`);
    // The median of the last two seconds: one sample may fall just before a part arrives.
    const latency = recentMedian();
    const wallClock = s.playingDate ? (s.now - s.playingDate) / 1000 : null;
    console.log(`LL-HLS latency: ${latency.toFixed(2)} s (hls.js latency; target ${s.targetLatency?.toFixed(2)} s, ` +
                `part target ${s.partTarget} s)`);
    if (wallClock !== null)
      console.log(`LL-HLS wall-clock latency: ${wallClock.toFixed(2)} s (now - EXT-X-PROGRAM-DATE-TIME of the frame on screen)`);
    console.log(`hls.js: ${s.fragments} segments and ${s.parts} parts loaded, ${s.blockingReloads} blocking reloads, ` +
                `${s.errors.length} non-fatal errors${s.errors.length ? ": " + JSON.stringify(s.errors.slice(0, 5)) : ""}`);
    // hls.js plays faster than real time (up to 1.5x) until it is at its target. A
    // browser that, with the media in its buffer, still plays slower than real time has
    // too little CPU to decode (a machine busy with other tests): its latency says
    // nothing about relaycast, and only a loose bound is checked then.
    const speed = (s.currentTime - startedAt) / ((s.now - startedWall) / 1000);
    const starved = speed < 0.97 && s.bufferAhead > 1;
    const limit = starved ? 10 : MAX_LATENCY;
    if (starved && latency > MAX_LATENCY)
      console.log(`LL-HLS latency bound relaxed to ${limit} s: chromium played at ${speed.toFixed(2)}x real time ` +
                  `with ${s.bufferAhead.toFixed(2)} s buffered (starved of CPU)`);
    assert.ok(latency <= limit, `hls.js latency ${latency.toFixed(2)} s > ${limit} s (last samples: ` +
              `${latencies.slice(-8).map((l) => l.toFixed(2)).join(", ")}; played at ${speed.toFixed(2)}x real ` +
              `time, ${s.bufferAhead.toFixed(2)} s buffered)${context_(s)}`);
  } finally {
    await context.close().catch(() => {});
    pageServer.close();
    await stop(publisher);
    await stop(relaycast);
    clearTimeout(watchdog);
  }
});

after(() => {
  killAllNow();
  if (!process.env.RELAYCAST_KEEP_TEST_DIRS) fs.rmSync(workdir, { recursive: true, force: true });
});
