// /event/{id}: every source of the event at once, in sync (sync.js), each with its own
// offline message; layouts side by side, large + small, picture in picture, switchable
// with buttons or the keys 1 2 3 (s swaps the large source) and remembered.
import { el } from "./format.js";
import { SourcePlayer } from "./source_player.js";
import { buffered, followerCorrection } from "./sync.js";

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
    $("sound").textContent = sound ? `Sound: ${sources[main].name}` : "Sound off";
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

// The first playing source (in the event's order) leads; the others follow it.
function synchronize(sources) {
  const playing = sources.map((s) => ({ s, date: s.player.playingDate() })).filter((p) => p.date != null);
  const leader = playing[0];
  for (const s of sources) s.player.setLeader(leader ? s === leader.s : true);
  report.leader = leader ? leader.s.name : null;
  report.offsets = {};
  let worst = null;
  for (const p of playing.slice(1)) {
    const offset = (p.date - leader.date) / 1000;
    report.offsets[p.s.name] = Math.round(offset * 1000);
    worst = Math.max(worst ?? 0, Math.abs(offset));
    const video = p.s.video;
    let { rate, seekBy } = followerCorrection(offset, leader.s.video.playbackRate);
    if (seekBy && buffered(video, video.currentTime + seekBy)) video.currentTime += seekBy;
    // Too far to jump into what is buffered: catch up (or wait) as fast as allowed.
    else if (seekBy) rate = followerCorrection(Math.sign(offset) * 0.99, leader.s.video.playbackRate).rate;
    if (video.playbackRate !== rate) video.playbackRate = rate;
  }
  report.offsetMs = worst == null ? null : Math.round(worst * 1000);
  $("offset").textContent =
    worst == null ? (playing.length ? "– (one source playing)" : "–") : `${report.offsetMs} ms`;
  $("latencies").textContent = sources
    .map((s) => {
      const l = s.player.latency();
      return `${s.name} ${l == null ? s.player.state : `${l.toFixed(1)} s behind live`}`;
    })
    .join(" · ");
}

load().then(start, (e) => {
  $("title").textContent = "event not found";
  $("stage").replaceChildren(el("p", { class: "notice error" }, String(e.message)));
});
