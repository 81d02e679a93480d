// /event/{id}: every source of the event at once, in sync (sync.js), each with its own
// offline message; layouts side by side, large + small, picture in picture, switchable
// with buttons or the keys 1 2 3 (s swaps the large source) and remembered.
import { el } from "./format.js";
import { SourcePlayer } from "./source_player.js";
import { DEAD_BAND_S, buffered, followerCorrection } from "./sync.js";

const id = decodeURIComponent(location.pathname.split("/")[2] || "");
const $ = (x) => document.getElementById(x);
const LAYOUT_KEY = `relaycast.event.${id}.layout`;
const MAIN_KEY = `relaycast.event.${id}.main`;
const SYNC_MS = 250;

const store = {
  get(k, fallback) {
    try {
      return localStorage.getItem(k) ?? fallback;
    } catch {
      return fallback;
    }
  },
  set(k, v) {
    try {
      localStorage.setItem(k, v);
    } catch {}
  },
};

// What the page shows of the sync, also read by the browser test.
const report = (window.relaycastEvent = { offsetMs: null, offsets: {}, sources: {}, leader: null });

async function load() {
  const r = await fetch(`/event/${encodeURIComponent(id)}/status`, { cache: "no-store" });
  if (!r.ok) throw new Error(`event ${id} not found`);
  return r.json();
}

function setLayout(layout) {
  const stage = $("stage");
  stage.className = `event-stage ${layout}`;
  for (const b of document.querySelectorAll("[data-layout]")) b.setAttribute("aria-pressed", String(b.dataset.layout === layout));
  store.set(LAYOUT_KEY, layout);
}

function start(event) {
  document.title = `${event.title || event.id} — relaycast`;
  $("title").textContent = event.title || event.id;
  $("subtitle").textContent = event.sources.map((s) => `${s.name}: ${s.stream}`).join(" · ");

  const sources = event.sources.map((s) => {
    const video = el("video", { playsinline: true, autoplay: true, muted: true, "aria-label": `${s.name} video` });
    video.muted = true;
    const badge = el("span", { class: "badge connecting" }, "connecting");
    const overlay = el("div", { class: "overlay", role: "status", "aria-live": "polite" }, "connecting…");
    const tile = el("div", { class: "tile", "data-source": s.name }, video,
                    el("div", { class: "label" }, el("b", {}, s.name), badge), overlay);
    const player = new SourcePlayer(video, s.stream);
    player.addEventListener("state", (e) => {
      const { state, detail } = e.detail;
      badge.textContent = state;
      badge.className = `badge ${state}`;
      overlay.hidden = state === "playing" || state === "buffering";
      overlay.textContent = `${s.name}: ${detail || state}`;
      report.sources[s.name] = state;
    });
    report.sources[s.name] = "connecting";
    return { ...s, video, tile, player };
  });

  let main = Math.max(0, sources.findIndex((s) => s.name === store.get(MAIN_KEY, sources[0].name)));
  const arrange = () => {
    const stage = $("stage");
    stage.replaceChildren(...[sources[main], ...sources.filter((_, i) => i !== main)].map((s) => s.tile));
    sources.forEach((s, i) => s.tile.classList.toggle("main", i === main));
    applySound();
  };
  let sound = false;
  const applySound = () => {
    // Only the large source is heard: two soundtracks at once are noise.
    sources.forEach((s, i) => (s.video.muted = !(sound && i === main)));
    $("sound").setAttribute("aria-pressed", String(sound));
    $("sound").textContent = `Sound: ${sound ? sources[main].name : "off"}`;
  };
  const swap = () => {
    main = (main + 1) % sources.length;
    store.set(MAIN_KEY, sources[main].name);
    arrange();
  };
  $("swap").addEventListener("click", swap);
  $("sound").addEventListener("click", () => {
    sound = !sound;
    applySound();
  });
  for (const b of document.querySelectorAll("[data-layout]")) b.addEventListener("click", () => setLayout(b.dataset.layout));
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    const layouts = { 1: "side", 2: "large", 3: "pip" };
    if (layouts[e.key]) setLayout(layouts[e.key]);
    else if (e.key === "s") swap();
  });
  if (sources.length < 2) $("swap").hidden = true;
  setLayout(store.get(LAYOUT_KEY, "side"));
  arrange();
  for (const s of sources) s.player.start();
  setInterval(() => synchronize(sources), SYNC_MS);
}

// The first playing source (in the event's order) leads; the others follow it. A source
// that runs out of buffer (its media is late) holds the others that are ahead of it,
// for HOLD_MAX_MS at most: waiting together keeps them in sync, and a source stuck for
// longer is left out until it plays again (or its player finds it offline).
const HOLD_MAX_MS = 4000;

function synchronize(sources) {
  const now = performance.now();
  const playing = [];
  for (const s of sources) {
    const date = s.player.playingDate();
    if (date == null) {
      s.stalledSince = null;
      release(s);
      continue;
    }
    // Out of media: nothing left ahead of the play head (under load Chrome may still
    // report HAVE_FUTURE_DATA while playback has stopped, and a catch-up seek to the end
    // of the buffer stays "seeking" until more media comes), or below HAVE_FUTURE_DATA
    // other than for a seek within what is buffered.
    const v = s.video;
    const ahead = v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0;
    const starved = ahead < 0.05 || (!v.seeking && v.readyState < 3);
    s.stalledSince = starved ? (s.stalledSince ?? now) : null;
    playing.push({ s, date });
  }
  const waiting = playing.filter((p) => p.s.stalledSince != null && now - p.s.stalledSince < HOLD_MAX_MS);
  const leader = playing.find((p) => !waiting.includes(p)) || playing[0];
  for (const s of sources) s.player.setLeader(leader ? s === leader.s : true);
  report.leader = leader ? leader.s.name : null;
  report.offsets = {};
  // For a person (or a test) finding out why: each source's rate, buffer and latency.
  report.detail = sources.map((s) => {
    const v = s.video, b = v.buffered;
    return { name: s.name, rate: v.playbackRate, t: Math.round(v.currentTime * 100) / 100,
             ahead: b.length ? Math.round((b.end(b.length - 1) - v.currentTime) * 100) / 100 : 0,
             latency: s.player.latency(), held: Boolean(s.held), waiting: s.stalledSince != null };
  });
  let worst = null;
  for (const p of playing) {
    if (p !== leader) {
      const offset = (p.date - leader.date) / 1000;
      report.offsets[p.s.name] = Math.round(offset * 1000);
      worst = Math.max(worst ?? 0, Math.abs(offset));
    }
  }
  report.offsetMs = worst == null ? null : Math.round(worst * 1000);

  if (waiting.length) {
    // Everyone ahead of the one furthest behind waits for it.
    const behind = waiting.reduce((a, b) => (b.date < a.date ? b : a));
    for (const p of playing) {
      if (p.date - behind.date > DEAD_BAND_S * 1000) hold(p.s);
      else release(p.s);
    }
  } else {
    for (const p of playing) {
      release(p.s);
      if (p === leader) continue;
      const video = p.s.video;
      const offset = (p.date - leader.date) / 1000;
      let { rate, seekBy } = followerCorrection(offset, leader.s.video.playbackRate);
      if (seekBy && buffered(video, video.currentTime + seekBy)) video.currentTime += seekBy;
      // Too far to jump into what is buffered: catch up (or wait) as fast as allowed.
      else if (seekBy) rate = followerCorrection(Math.sign(offset) * 0.99, leader.s.video.playbackRate).rate;
      if (video.playbackRate !== rate) video.playbackRate = rate;
    }
  }

  $("offset").textContent =
    worst == null ? (playing.length ? "– (one source playing)" : "–") : `${report.offsetMs} ms`;
  $("latencies").textContent = sources
    .map((s) => {
      const l = s.player.latency();
      if (l == null) return `${s.name} ${s.player.state}`;
      return `${s.name} ${s.player.state === "buffering" ? "buffering, " : ""}${l.toFixed(1)} s behind live`;
    })
    .join(" · ");
}

// Paused by the sync (not by the viewer): played again by it.
function hold(s) {
  if (s.held || s.video.paused) return;
  s.held = true;
  s.video.pause();
}

function release(s) {
  if (!s.held) return;
  s.held = false;
  s.video.play().catch(() => {});
}

load().then(start, (e) => {
  $("title").textContent = "event not found";
  $("stage").replaceChildren(el("p", { class: "notice error" }, String(e.message)));
});
