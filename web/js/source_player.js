// One live stream in a <video>: hls.js on the LL-HLS playlist (the classic playlist if
// that fails, native HLS where there is no Media Source Extensions: Safari on iOS),
// "offline — waiting for the stream" while nobody publishes, and back by itself when
// the publisher returns. Used by /watch (one) and /event (several, kept in sync).
//
// Whether a stream is live comes from /watch/{app}/{name}/status (public, like the
// media): the player asks it when playback stops moving, and every two seconds while
// offline, so it never hammers a playlist that is gone.

// What bench/hls_latency.mjs measured best on relaycast (README, "Watch"): at its
// defaults hls.js never wins back what the start or a stall cost, and skips a last part
// shorter than 0.25 s. In an event only the leading source lets hls.js change the rate;
// the others follow the leader (event.js).
export const HLS_CONFIG = {
  lowLatencyMode: true,
  maxLiveSyncPlaybackRate: 1.5,
  liveSyncOnStallIncrease: 0.25,
  maxFragLookUpTolerance: 0.02,
  backBufferLength: 30,
};

const STALL_CHECK_MS = 2000;    // playback stood still this long: ask whether the stream is live
// No new part (LL-HLS, ~1/3 s each) or segment (classic, ~2 s) loaded for this long:
// ask too, before the buffer runs dry and before a blocking playlist request times out.
const STARVING_MS = { ll: 1500, ts: 5000 };
const STUCK_RESTART_MS = 12000; // live, but stood still this long: start over
const OFFLINE_POLL_MS = 2000;
const COMEBACK_DELAY_MS = 1000; // a returning publisher's first part is there before hls.js starts

export class SourcePlayer extends EventTarget {
  // video: the element; stream: "live/cam".
  constructor(video, stream, { hlsConfig = {} } = {}) {
    super();
    this.video = video;
    this.stream = stream;
    this.statusUrl = `/watch/${stream}/status`;
    this.playlists = { ll: `/${stream}/ll.m3u8`, ts: `/${stream}/index.m3u8` };
    this.hlsConfig = { ...HLS_CONFIG, ...hlsConfig };
    this.state = "connecting";
    this.detail = "";
    this.hls = null;
    this.mode = new URLSearchParams(location.search).get("hls") === "classic" ? "ts" : "ll";
    this.failures = 0;
    this.lastTime = -1;
    this.lastProgressAt = performance.now();
    this.lastMediaAt = performance.now();
    this.checking = false;
    this.timers = new Set();
    this.stopped = false;
    this.leader = true;
  }

  start() {
    this.every(1000, () => this.watch());
    this.checkAndAttach();
  }

  destroy() {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t), clearTimeout(t);
    this.timers.clear();
    this.detach();
  }

  // The wall-clock time (ms, the server's EXT-X-PROGRAM-DATE-TIME) of the frame on
  // screen, or null before it is known.
  playingDate() {
    if (this.state !== "playing" && this.state !== "buffering") return null;
    if (this.hls) return this.hls.playingDate ? this.hls.playingDate.getTime() : null;
    const start = this.video.getStartDate ? this.video.getStartDate().getTime() : NaN;
    return isFinite(start) ? start + this.video.currentTime * 1000 : null;
  }

  // Seconds behind the live edge, as hls.js sees it, or null before it knows the edge.
  // While buffering it still counts (it grows: what a viewer wants to see). hls.js
  // measures from the last playlist, so playing a part loaded from a preload hint can
  // put the picture past that edge: that is 0 behind, not "unknown".
  latency() {
    if (!this.hls || !this.hls.latestLevelDetails) return null;
    if (this.state !== "playing" && this.state !== "buffering") return null;
    return Math.max(0, this.hls.latency);
  }

  // The leader lets hls.js speed up to reach its target latency; a follower's rate is
  // set by the event player, and hls.js must leave it alone (1 = off).
  setLeader(leader) {
    this.leader = leader;
    if (this.hls) this.hls.config.maxLiveSyncPlaybackRate = leader ? this.hlsConfig.maxLiveSyncPlaybackRate : 1;
    if (leader && this.video.playbackRate !== 1 && !this.hls) this.video.playbackRate = 1;
  }

  // ---- internals ---------------------------------------------------------------

  setState(state, detail = "") {
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, detail } }));
  }

  every(ms, f) {
    const t = setInterval(f, ms);
    this.timers.add(t);
  }

  later(ms, f) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) f();
    }, ms);
    this.timers.add(t);
  }

  // null: the node does not know (an edge pulls on the first request): try.
  async live() {
    try {
      const r = await fetch(this.statusUrl, { cache: "no-store" });
      if (!r.ok) return false;
      return (await r.json()).live;
    } catch {
      return false;
    }
  }

  async checkAndAttach() {
    if (this.stopped) return;
    const live = await this.live();
    if (this.stopped) return;
    if (live === false) {
      this.goOffline();
      return;
    }
    this.attach();
  }

  goOffline() {
    this.detach();
    this.setState("offline", "offline — waiting for the stream");
    this.pollUntilLive();
  }

  async pollUntilLive() {
    if (this.stopped || this.state !== "offline") return;
    const live = await this.live();
    if (this.stopped || this.state !== "offline") return;
    if (live === false) {
      this.later(OFFLINE_POLL_MS, () => this.pollUntilLive());
      return;
    }
    this.setState("connecting", "the stream is back; starting");
    this.later(COMEBACK_DELAY_MS, () => this.attach());
  }

  attach() {
    this.detach();
    if (this.state !== "connecting") this.setState("connecting", "starting");
    this.lastProgressAt = this.lastMediaAt = performance.now();
    this.lastTime = -1;
    const video = this.video;
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      const config = { ...this.hlsConfig, lowLatencyMode: this.mode === "ll" };
      if (!this.leader) config.maxLiveSyncPlaybackRate = 1;
      const hls = (this.hls = new Hls(config));
      hls.on(Hls.Events.MANIFEST_PARSED, () => this.play());
      hls.on(Hls.Events.FRAG_LOADED, () => (this.lastMediaAt = performance.now()));
      hls.on(Hls.Events.ERROR, (_, data) => {
        if (data.fatal && hls === this.hls) this.onFatal(`${data.type}: ${data.details}`);
      });
      hls.loadSource(this.playlists[this.mode]);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = this.playlists[this.mode];
      this.play();
    } else {
      this.setState("error", "this browser cannot play HLS (no Media Source Extensions, no native HLS)");
    }
  }

  detach() {
    if (this.hls) {
      const hls = this.hls;
      this.hls = null;
      hls.destroy();
    } else if (this.video.getAttribute("src")) {
      this.video.removeAttribute("src");
      this.video.load();
    }
  }

  play() {
    const p = this.video.play();
    // Autoplay with sound may be refused until the user touches the page: start muted.
    if (p && p.catch)
      p.catch(() => {
        if (!this.video.muted) {
          this.video.muted = true;
          this.video.play().catch(() => {});
          this.dispatchEvent(new CustomEvent("muted"));
        }
      });
  }

  async onFatal(what) {
    this.detach();
    this.failures++;
    const live = await this.live();
    if (this.stopped) return;
    if (live === false) {
      this.goOffline();
      return;
    }
    // Live but failing: once in LL mode, try the classic playlist (a proxy or a browser
    // that does not get along with blocking reloads or fMP4 parts).
    if (this.mode === "ll" && this.failures >= 2) this.mode = "ts";
    this.setState("connecting", `retrying (${what})`);
    this.later(Math.min(1000 * this.failures, 5000), () => this.attach());
  }

  // Once a second: is the picture moving, is media still coming? If not for a while,
  // is the stream still live?
  async watch() {
    if (this.state === "offline" || this.state === "error" || this.stopped || this.checking) return;
    const now = performance.now();
    const t = this.video.currentTime;
    const moving = t !== this.lastTime && !this.video.paused;
    if (moving) {
      this.lastTime = t;
      this.lastProgressAt = now;
      if (this.state !== "playing" && t > 0) {
        this.failures = 0;
        this.setState("playing");
      }
    }
    const starving = this.hls && this.state === "playing" && now - this.lastMediaAt > STARVING_MS[this.mode];
    if (moving && !starving) return;
    if (!moving && this.video.paused && this.state === "playing") return;  // the viewer paused it
    const still = now - this.lastProgressAt;
    if (!starving && still < STALL_CHECK_MS) return;
    this.checking = true;
    const live = await this.live();
    this.checking = false;
    if (this.stopped || this.state === "offline") return;
    if (live === false) {
      this.goOffline();
    } else if (moving) {
      this.lastMediaAt = now;  // live: a slow part, not the end; ask again later
    } else if (still > STUCK_RESTART_MS) {
      this.setState("connecting", "stalled; starting over");
      this.attach();
    } else if (this.state === "playing") {
      this.setState("buffering", "buffering");
    }
  }
}
