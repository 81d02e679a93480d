// The dashboard (/): polls the API (every second: server, streams, clients, recent log;
// every five: keys, events, nodes, autoscaling), draws bitrate and frame-rate sparklines from what
// it saw (the last five minutes, in the page), and kicks, creates events and adds keys
// through the same API. Rows are updated in place, so keyboard focus stays put.
import { ApiError, api, setToken, token } from "./api.js";
import { bitrate, clock, duration, el } from "./format.js";
import { Series, drawSparkline } from "./sparkline.js";

const $ = (id) => document.getElementById(id);
const FAST_MS = 1000;
const SLOW_MS = 5000;

const history = new Map();  // stream key -> {bitrate: Series, fps: Series}
const seenLog = { after: 0, entries: [] };
let server = null;
let keys = [];
let paused = false;
let hasNodes = false;  // whether this server has GET /api/v1/nodes (its OpenAPI document says)
let hasAutoscale = false;  // likewise GET /api/v1/autoscale

// ---- rows updated in place ----------------------------------------------------

// Makes tbody hold one row per item, in order: `create(item)` builds a new row,
// `update(row, item)` refreshes one. Rows of items that went away are removed.
function syncRows(tbody, items, keyOf, create, update) {
  const existing = new Map([...tbody.children].map((r) => [r.dataset.key, r]));
  let previous = null;
  for (const item of items) {
    const key = String(keyOf(item));
    let row = existing.get(key);
    if (!row) {
      row = create(item);
      row.dataset.key = key;
    }
    existing.delete(key);
    update(row, item);
    const wanted = previous ? previous.nextSibling : tbody.firstChild;
    if (wanted !== row) tbody.insertBefore(row, wanted);
    previous = row;
  }
  for (const row of existing.values()) row.remove();
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function showEmpty(id, empty) {
  $(id).hidden = !empty;
}

// ---- problems and the token ---------------------------------------------------

function setConnection(state, text) {
  setText($("connection"), text);
  $("connection").className = `badge ${state}`;
}

function problem(text) {
  $("problem").hidden = !text;
  if (text) setText($("problem"), text);
}

function askForToken(why) {
  paused = true;
  setConnection("error", "token needed");
  setText($("token-why"), why);
  const dialog = $("token-dialog");
  if (!dialog.open) dialog.showModal();
}

$("token-form").addEventListener("submit", () => {
  setToken(new FormData($("token-form")).get("token").trim());
  $("token-form").reset();
  paused = false;
  startDashboard();
});
$("forget-token").addEventListener("click", () => {
  setToken("");
  $("forget-token").hidden = true;
  askForToken("The token was forgotten. Enter it again to go on.");
});

function failed(e) {
  if (!(e instanceof ApiError)) {
    console.warn("dashboard:", e);
    problem(`The page failed: ${e.message}`);
    return;
  }
  if (e.status === 401) {
    askForToken(token() ? "The server did not accept the token kept in this browser. Enter the api.token of the server."
                        : "This server needs its api.token. It is kept in this browser only.");
  } else if (e.status === 403) {
    problem(`The API refused this browser: ${e.message}. Open the dashboard on the server itself ` +
            `(http://127.0.0.1:PORT/), or set api.token in the server's configuration.`);
    setConnection("error", "refused");
  } else if (e.status === 0) {
    setConnection("offline", "server not reachable");
  } else {
    problem(e.message);
  }
}

// ---- streams ------------------------------------------------------------------

function streamRow(s) {
  const bitrateCanvas = el("canvas", { class: "spark", "aria-hidden": "true" });
  const fpsCanvas = el("canvas", { class: "spark", "aria-hidden": "true" });
  const kick = el("button", { type: "button", class: "danger" }, "Kick");
  kick.addEventListener("click", async () => {
    if (!confirm(`Disconnect the publisher of ${s.key}?`)) return;
    try {
      await api("DELETE", `streams/${s.key}`);
      fast();
    } catch (e) {
      failed(e);
    }
  });
  const row = el("tr", {},
    el("td", {}, el("a", { href: `/watch/${s.key}` }, s.key)),
    el("td", { class: "wrap" }, el("span", { class: "badge" }), el("span", { class: "reason" })),
    el("td", {}),
    el("td", {}, el("div", { class: "metric" }, el("span"), bitrateCanvas)),
    el("td", {}, el("div", { class: "metric" }, el("span"), fpsCanvas)),
    el("td", {}),
    el("td", {}),
    el("td", {}),
    el("td", {}, el("a", { class: "button", href: `/watch/${s.key}` }, "Watch"), " ", kick));
  row.parts = { bitrateCanvas, fpsCanvas, kick };
  return row;
}

function updateStreamRow(row, s) {
  const c = row.cells;
  const health = s.live ? s.health.state : "offline";
  const badge = c[1].children[0];
  setText(badge, health);
  badge.className = `badge ${health}`;
  setText(c[1].children[1], s.health.reason || (s.live ? "" : "the publisher left"));
  const v = s.video;
  setText(c[2], v ? `${v.width}×${v.height} ${v.codec}` : "–");
  setText(c[3].querySelector("span"), s.live ? bitrate(s.bitrate_bps) : "–");
  setText(c[4].querySelector("span"), s.live && v && v.fps != null ? `${v.fps.toFixed(1)} fps` : "–");
  const h = history.get(s.key);
  drawSparkline(row.parts.bitrateCanvas, h.bitrate, "#3b82f6");
  drawSparkline(row.parts.fpsCanvas, h.fps, "#16a34a");
  setText(c[5], `${s.viewers.total} (${s.viewers.rtmp} · ${s.viewers.flv} · ${s.viewers.hls})`);
  const p = s.publisher;
  setText(c[6], p && p.address ? `${p.protocol} ${p.address}` : p ? p.protocol || "–" : "–");
  setText(c[7], s.live ? duration(s.uptime_s) : "stopped");
  row.parts.kick.hidden = !s.live;
}

function renderStreams(streams) {
  const now = Date.now();
  for (const s of streams) {
    if (!history.has(s.key)) history.set(s.key, { bitrate: new Series(), fps: new Series() });
    const h = history.get(s.key);
    h.bitrate.push(now, s.live ? s.bitrate_bps : 0);
    h.fps.push(now, s.live && s.video ? s.video.fps : 0);
  }
  for (const key of history.keys()) if (!streams.some((s) => s.key === key)) history.delete(key);
  syncRows($("streams-body"), streams, (s) => s.key, streamRow, updateStreamRow);
  const live = streams.filter((s) => s.live).length;
  setText($("streams-count"), `${live} live${streams.length > live ? `, ${streams.length - live} stopped` : ""}`);
  showEmpty("streams-empty", streams.length === 0);
}

// ---- clients ------------------------------------------------------------------

function clientRow(c) {
  const kick = el("button", { type: "button", class: "danger" }, "Kick");
  kick.addEventListener("click", async () => {
    if (!confirm(`Disconnect client ${c.id} (${c.role} ${c.address})?`)) return;
    try {
      await api("DELETE", `clients/${c.id}`);
      fast();
    } catch (e) {
      failed(e);
    }
  });
  return el("tr", {}, el("td", {}, String(c.id)), el("td"), el("td"), el("td"), el("td"), el("td", {}, kick));
}

function updateClientRow(row, c) {
  const cells = row.cells;
  setText(cells[1], `${c.role}${c.output ? ` (${c.output})` : ` (${c.protocol})`}`);
  setText(cells[2], c.stream || "–");
  setText(cells[3], c.address);
  setText(cells[4], duration(c.connected_s));
}

function renderClients(clients) {
  // The dashboard's own requests are HTTP clients too: show who publishes and watches.
  const shown = clients.filter((c) => c.role === "publisher" || c.role === "viewer");
  syncRows($("clients-body"), shown, (c) => c.id, clientRow, updateClientRow);
  const publishers = shown.filter((c) => c.role === "publisher").length;
  setText($("clients-count"), `${publishers} publishing, ${shown.length - publishers} watching`);
  showEmpty("clients-empty", shown.length === 0);
}

// ---- publish URLs and keys ----------------------------------------------------

function renderPublish() {
  if (!server) return;
  const host = location.hostname;
  const rtmp = `rtmp://${host}:${server.ports.rtmp}`;
  const web = location.origin;
  const example = keys.find((k) => !k.stream.endsWith("/*"));
  const name = example ? example.stream.split("/")[1] : "NAME";
  const app = example ? example.stream.split("/")[0] : "live";
  const keyPart = example ? `?key=${example.key}` : "";
  const rows = [
    ["OBS server", `${rtmp}/${app}`],
    ["OBS stream key", `${name}${keyPart}`],
    ["ffmpeg", `ffmpeg -re -i INPUT -c:v libx264 -c:a aac -f flv ${rtmp}/${app}/${name}${keyPart}`],
    ["Watch page", `${web}/watch/${app}/${name}`],
    ["LL-HLS", `${web}/${app}/${name}/ll.m3u8`],
    ["HTTP-FLV", `${web}/${app}/${name}.flv`],
  ];
  const dl = $("publish-urls");
  const signature = JSON.stringify(rows);
  if (dl.dataset.signature === signature) return;
  dl.dataset.signature = signature;
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, el("code", { class: "copy" }, v))]));
}

function renderKeys(list) {
  keys = list;
  syncRows($("keys-body"), list, (k) => `${k.stream} ${k.key}`,
           () => el("tr", {}, el("td"), el("td", {}, el("code")), el("td")),
           (row, k) => {
             setText(row.cells[0], k.stream);
             setText(row.cells[1].firstChild, k.key);
             setText(row.cells[2], k.source === "api" ? "added here" : "config file");
           });
  setText($("keys-count"), list.length ? String(list.length) : "");
  showEmpty("keys-empty", list.length === 0);
  renderPublish();
}

$("key-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const body = { stream: form.get("stream").trim() };
  if (form.get("key").trim()) body.key = form.get("key").trim();
  try {
    const k = await api("POST", "keys", body);
    setText($("key-result"), `Added: publish ${k.stream} with ?key=${k.key}`);
    e.target.reset();
    slow();
  } catch (err) {
    setText($("key-result"), `Not added: ${err.message}`);
  }
});

// ---- events -------------------------------------------------------------------

function eventRow(ev) {
  const remove = el("button", { type: "button", class: "danger" }, "Remove");
  remove.addEventListener("click", async () => {
    if (!confirm(`Remove event ${ev.id}? Its streams go on.`)) return;
    try {
      await api("DELETE", `events/${ev.id}`);
      slow();
    } catch (e) {
      failed(e);
    }
  });
  return el("tr", {}, el("td", {}, el("a", { href: `/event/${ev.id}` }), el("span", { class: "reason" })),
            el("td", { class: "wrap" }), el("td", {}, remove));
}

function renderEvents(events) {
  syncRows($("events-body"), events, (ev) => ev.id, eventRow, (row, ev) => {
    setText(row.cells[0].firstChild, ev.id);
    setText(row.cells[0].children[1], ev.title || "");
    setText(row.cells[1], ev.sources.map((s) => `${s.name}: ${s.stream}`).join(", "));
  });
  setText($("events-count"), events.length ? String(events.length) : "");
  showEmpty("events-empty", events.length === 0);
}

$("event-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const sources = String(form.get("sources"))
    .split(/\n|,/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, stream] = line.split("=").map((x) => (x || "").trim());
      return { name, stream };
    });
  try {
    const ev = await api("POST", "events", { id: form.get("id").trim(), title: form.get("title").trim(), sources });
    const result = $("event-result");
    result.replaceChildren("Created: ", el("a", { href: `/event/${ev.id}` }, `${location.origin}/event/${ev.id}`));
    e.target.reset();
    slow();
  } catch (err) {
    setText($("event-result"), `Not created: ${err.message}`);
  }
});

// ---- nodes (GET /api/v1/nodes, when the server has a cluster registry) ----------

function renderNodes(nodes) {
  const list = nodes || [];
  syncRows($("nodes-body"), list, (n) => n.id ?? n.name ?? n.url,
           () => el("tr", {}, el("td"), el("td"), el("td"), el("td"), el("td"), el("td")),
           (row, n) => {
             const viewers = typeof n.viewers === "object" && n.viewers ? n.viewers.total : n.viewers;
             const state = n.state ?? n.health ?? (n.healthy === false ? "unhealthy" : n.healthy ? "healthy" : "–");
             setText(row.cells[0], String(n.name ?? n.id ?? n.url ?? "–"));
             setText(row.cells[1], String(n.role ?? "–"));
             setText(row.cells[2], String(state));
             setText(row.cells[3], viewers == null ? "–" : String(viewers));
             setText(row.cells[4], bitrate(n.egress_bps));
             setText(row.cells[5], n.cpu_percent == null ? "–" : `${Number(n.cpu_percent).toFixed(0)} %`);
           });
  setText($("nodes-count"), list.length ? String(list.length) : "");
  showEmpty("nodes-empty", list.length === 0);
}

// ---- autoscaling (GET /api/v1/autoscale, on the node that hosts the registry) -----

function decisionText(d) {
  if (d.action === "scale_up") return `scale up by ${d.count}`;
  if (d.action === "drain") return `drain ${d.node}`;
  if (d.action === "scale_down") return `remove ${d.node}`;
  return "no change";
}

function renderAutoscale(a) {
  // Only where it acts (autoscale.enabled); `relaycast autoscale plan` shows the rest.
  $("autoscale-card").hidden = !a || !a.enabled;
  if (!a || !a.enabled) return;
  const load = a.load.value == null ? "unbounded" : `${(a.load.value * 100).toFixed(0)} %`;
  const coming = a.pending_launches.reduce((n, l) => n + l.coming, 0);
  setText($("autoscale-summary"),
          `load ${load} (target ${(a.policy.target_load * 100).toFixed(0)} %) · ${a.load.edges} edges ` +
          `(${a.policy.min_edges}–${a.policy.max_edges})` + (coming ? ` · ${coming} coming` : "") +
          (a.draining.length ? ` · draining ${a.draining.map((d) => d.node).join(", ")}` : "") +
          ` · now: ${decisionText(a.plan)}`);
  syncRows($("autoscale-body"), a.decisions.slice(0, 5), (d) => `${d.at} ${d.rule}`,
           () => el("tr", {}, el("td"), el("td"), el("td", { class: "message" })),
           (row, d) => {
             setText(row.cells[0], clock(d.at));
             setText(row.cells[1], decisionText(d) + (d.times > 1 ? ` ×${d.times}` : ""));
             setText(row.cells[2], d.reason);
           });
  const c = a.commands[0];
  setText($("autoscale-command"), c ? `last command: ${c.action} ${c.node ?? c.count} at ${clock(c.started_at)}: ` +
          `${c.outcome}${c.stderr ? ` (${c.stderr.slice(0, 120)})` : ""}` : "no scale command run yet");
}

// ---- recent log ---------------------------------------------------------------

function renderLog(entries) {
  if (entries.length) {
    seenLog.after = entries[entries.length - 1].seq;
    seenLog.entries = [...entries.reverse(), ...seenLog.entries].slice(0, 100);
  }
  syncRows($("log-body"), seenLog.entries, (e) => e.seq,
           (e) => el("tr", { class: e.kind }, el("td", {}, clock(e.time)), el("td", {}, e.kind),
                     el("td", { class: "message" }, e.message)),
           () => {});
  showEmpty("log-empty", seenLog.entries.length === 0);
}

// ---- polling ------------------------------------------------------------------

function renderServer(s) {
  server = s;
  setText($("summary"),
          `${s.role} ${s.version} · up ${duration(s.uptime_s)} · CPU ${s.cpu_percent.toFixed(0)} % · ` +
          `in ${bitrate(s.ingress_bps)} · out ${bitrate(s.egress_bps)} · ${s.viewers.total} viewers · ` +
          `${s.connections} connections`);
  renderPublish();
}

let fastTimer = null, slowTimer = null;

async function fast() {
  clearTimeout(fastTimer);
  if (paused) return;
  try {
    const [s, streams, clients, log] = await Promise.all([
      api("GET", "server"), api("GET", "streams"), api("GET", "clients"),
      api("GET", `log/recent?after=${seenLog.after}`)]);
    renderServer(s);
    renderStreams(streams.streams);
    renderClients(clients.clients);
    renderLog(log.entries);
    setConnection("live", "live");
    problem("");
  } catch (e) {
    failed(e);
  }
  if (!paused) fastTimer = setTimeout(fast, FAST_MS);
}

async function slow() {
  clearTimeout(slowTimer);
  if (paused) return;
  try {
    const [k, ev, nodes, autoscale] = await Promise.all([
      api("GET", "keys"), api("GET", "events"), hasNodes ? api("GET", "nodes") : Promise.resolve(null),
      // Edges host no registry (503, an error in the console): not asked.
      hasAutoscale && server?.role !== "edge" ? api("GET", "autoscale").catch(() => null) : Promise.resolve(null)]);
    renderKeys(k.keys);
    renderEvents(ev.events);
    renderNodes(nodes ? nodes.nodes : null);
    renderAutoscale(autoscale);
  } catch (e) {
    failed(e);
  }
  if (!paused) slowTimer = setTimeout(slow, SLOW_MS);
}

async function startDashboard() {
  $("forget-token").hidden = !token();
  try {
    // Which optional routes this server has (a 404 would be an error in the console).
    const doc = await api("GET", "openapi.json");
    hasNodes = Boolean(doc.paths && doc.paths["/api/v1/nodes"]);
    hasAutoscale = Boolean(doc.paths && doc.paths["/api/v1/autoscale"]);
  } catch (e) {
    failed(e);
    if (paused) return;  // token dialog: fast() and slow() run when it is given
  }
  fast();
  slow();
}

startDashboard();
