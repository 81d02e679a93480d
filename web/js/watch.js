// /watch/{app}/{name}: one stream, with a latency readout and an embed code.
// ?embed=1 shows the video alone (what the embed code's <iframe> loads).
import { SourcePlayer } from "./source_player.js";

const [, , app, name] = location.pathname.split("/");
const stream = `${app}/${name}`;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get("embed") === "1") document.body.classList.add("embedded");

document.title = `${stream} — relaycast`;
$("title").textContent = stream;
$("stream-name").textContent = "live";

const video = $("video");
const player = new SourcePlayer(video, stream);
window.relaycastPlayer = player;  // for tests and the curious

player.addEventListener("state", (e) => {
  const { state, detail } = e.detail;
  $("state").textContent = state;
  $("state").className = `badge ${state}`;
  const overlay = $("overlay");
  overlay.hidden = state === "playing" || state === "buffering";
  overlay.textContent = detail || state;
  $("mode").textContent = player.mode === "ll" ? "LL-HLS" : "HLS";
});
player.addEventListener("muted", () => ($("unmute").hidden = false));
$("unmute").addEventListener("click", () => {
  video.muted = false;
  $("unmute").hidden = true;
});

const embedUrl = `${location.origin}/watch/${stream}?embed=1`;
$("embed-code").value =
  `<iframe src="${embedUrl}" width="640" height="360" allow="autoplay; fullscreen" allowfullscreen ` +
  `style="border:0"></iframe>`;
$("copy-embed").addEventListener("click", async () => {
  const area = $("embed-code");
  try {
    await navigator.clipboard.writeText(area.value);
  } catch {
    // No clipboard API (plain http on another host): select it for Ctrl+C.
    area.focus();
    area.select();
  }
  $("copy-embed").textContent = "Copied";
  setTimeout(() => ($("copy-embed").textContent = "Copy embed code"), 1500);
});

setInterval(() => {
  const latency = player.latency();
  $("latency").textContent = latency == null ? "–" : `${latency.toFixed(1)} s`;
  $("resolution").textContent = video.videoWidth ? `${video.videoWidth}×${video.videoHeight}` : "–";
}, 500);

player.start();
