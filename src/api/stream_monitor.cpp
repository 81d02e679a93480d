#include "api/stream_monitor.hpp"

#include <set>

#include "core/log.hpp"

namespace relaycast::api {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

int64_t ns_of(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point steady_ns_to_system(int64_t ns) {
  return to_system(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns)));
}

}  // namespace

std::chrono::system_clock::time_point to_system(std::chrono::steady_clock::time_point t) {
  const auto now_steady = std::chrono::steady_clock::now();
  const auto now_system = std::chrono::system_clock::now();
  return now_system - std::chrono::duration_cast<std::chrono::system_clock::duration>(now_steady - t);
}

StreamMonitor::StreamMonitor(ServerContext& server, boost::asio::io_context& context, HealthConfig config)
    : server_(server), timer_(context), config_(config) {}

void StreamMonitor::start() { schedule(); }

void StreamMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

void StreamMonitor::schedule() {
  timer_.expires_after(kInterval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    tick(Clock::now());
    schedule();
  });
}

void StreamMonitor::set_config(const HealthConfig& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
  for (auto& [key, t] : tracked_)
    if (t.classifier) t.classifier->set_config(config);
}

void StreamMonitor::observe(Tracked& t, const std::string& key, bool ended, Clock::time_point now) {
  Stream& s = *t.stream;
  const HealthSample sample{.now_ns = ns_of(now),
                            .bytes_in = s.counters().bytes_in.load(relaxed),
                            .ended = ended,
                            .stats = s.stats().snapshot(/*take_window=*/true)};
  const HealthState before = t.classifier->report().state;
  const HealthChange change = t.classifier->update(sample);
  const auto& report = t.classifier->report();
  if (change == HealthChange::state) {
    ++changes_[size_t(report.state)];
    switch (report.state) {
      case HealthState::healthy: spdlog::info("{}: health: healthy again (was {})", key, to_string(before)); break;
      case HealthState::degraded: spdlog::warn("{}: health: degraded: {}", key, report.reason); break;
      case HealthState::offline: spdlog::warn("{}: health: offline: {}", key, report.reason); break;
    }
  } else if (change == HealthChange::new_problem) {
    spdlog::warn("{}: health: still degraded: {}", key, report.reason);
  }
  // What an ended stream keeps showing.
  t.last.bytes_in = sample.bytes_in;
  t.last.packets_in = s.counters().packets_in.load(relaxed);
  t.last.frames_dropped = s.counters().frames_dropped.load(relaxed);
  t.last.keyframe_interval_ms = sample.stats.keyframe_interval_ms;
  t.last.video = s.stats().video();
  t.last.audio = s.stats().audio();
  t.last.publisher_protocol = s.publisher().protocol;
  if (auto publisher = server_.sessions.publisher_of(key)) t.last.publisher = publisher;
}

void StreamMonitor::tick(Clock::time_point now) {
  const auto live = server_.streams.list();
  const auto totals = server_.sessions.totals();
  const auto process = read_process_stats();

  std::lock_guard lock(mutex_);
  std::set<std::string> seen;
  for (const auto& stream : live) {
    const auto& key = stream->key();
    seen.insert(key);
    auto& t = tracked_[key];
    if (t.stream != stream) {
      // A new publish of this key (or the first): its own history.
      t = Tracked{.stream = stream,
                  .classifier = HealthClassifier(config_),
                  .started_at = to_system(stream->started())};
    }
    observe(t, key, false, now);
  }
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    auto& [key, t] = *it;
    if (t.stream && !seen.contains(key)) {
      observe(t, key, true, now);
      t.stream.reset();  // frees the ring; the figures stay in t.last
      t.ended_at = now;
      t.ended_at_wall = std::chrono::system_clock::now();
    }
    if (!t.stream && t.ended_at && now - *t.ended_at > std::chrono::milliseconds(config_.offline_linger_ms)) {
      it = tracked_.erase(it);
      continue;
    }
    ++it;
  }

  if (last_tick_ && now > *last_tick_) {
    const double seconds = std::chrono::duration<double>(now - *last_tick_).count();
    node_.ingress_bps = double(totals.bytes_in - std::min(totals.bytes_in, node_.bytes_in)) * 8 / seconds;
    node_.egress_bps = double(totals.bytes_out - std::min(totals.bytes_out, node_.bytes_out)) * 8 / seconds;
    node_.cpu_percent = std::max(0.0, process.cpu_seconds - node_.process.cpu_seconds) / seconds * 100;
  }
  node_.bytes_in = totals.bytes_in;
  node_.bytes_out = totals.bytes_out;
  node_.process = process;
  last_tick_ = now;
}

StreamView StreamMonitor::view_locked(const Tracked& t, const std::map<std::string, size_t>& hls,
                                      const std::vector<ClientInfo>& clients) const {
  StreamView v = t.last;
  v.key = t.stream ? t.stream->key() : v.key;
  v.live = t.stream != nullptr;
  v.started_at = t.started_at;
  v.ended_at = t.ended_at_wall;
  v.uptime_s = std::chrono::duration<double>((t.ended_at_wall ? *t.ended_at_wall : std::chrono::system_clock::now()) -
                                             t.started_at)
                   .count();
  if (t.stream) {
    // Counters as they are now, not as of the last round.
    Stream& s = *t.stream;
    v.bytes_in = s.counters().bytes_in.load(relaxed);
    v.packets_in = s.counters().packets_in.load(relaxed);
    v.frames_dropped = s.counters().frames_dropped.load(relaxed);
    v.video = s.stats().video();
    v.audio = s.stats().audio();
    v.keyframe_interval_ms = s.stats().snapshot().keyframe_interval_ms;
    v.publisher_protocol = s.publisher().protocol;
  }
  if (t.classifier) {
    v.health = t.classifier->report();
    v.health_since = steady_ns_to_system(v.health.since_ns);
  }
  if (v.live) {
    for (const auto& c : clients) {
      if (c.role != ClientRole::viewer || c.stream != v.key) continue;
      if (c.output == "rtmp") ++v.viewers.rtmp;
      else if (c.output == "flv") ++v.viewers.flv;
      else if (c.output == "srt") ++v.viewers.srt;
    }
    if (auto it = hls.find(v.key); it != hls.end()) v.viewers.hls = it->second;
  }
  return v;
}

std::vector<StreamView> StreamMonitor::streams() const {
  const auto hls = server_.hls_viewers.counts(Clock::now());
  const auto clients = server_.sessions.list();
  // A stream published since the last round is listed already, without figures yet.
  const auto live = server_.streams.list();
  std::lock_guard lock(mutex_);
  std::vector<StreamView> out;
  std::set<std::string> listed;
  for (const auto& [key, t] : tracked_) {
    if (t.stream == nullptr && std::any_of(live.begin(), live.end(), [&](auto& s) { return s->key() == key; }))
      continue;  // republished since: the new one is listed below
    out.push_back(view_locked(t, hls, clients));
    out.back().key = key;
    listed.insert(key);
  }
  for (const auto& s : live) {
    if (listed.contains(s->key())) continue;
    auto& fresh = tracked_[s->key()];
    fresh = Tracked{.stream = s, .classifier = HealthClassifier(config_), .started_at = to_system(s->started())};
    out.push_back(view_locked(fresh, hls, clients));
    out.back().key = s->key();
    out.back().health_since = fresh.started_at;
  }
  std::sort(out.begin(), out.end(), [](const StreamView& a, const StreamView& b) { return a.key < b.key; });
  return out;
}

std::optional<StreamView> StreamMonitor::stream(const std::string& key) const {
  for (auto& v : streams())
    if (v.key == key) return v;
  return std::nullopt;
}

NodeFigures StreamMonitor::node() const {
  std::lock_guard lock(mutex_);
  return node_;
}

uint64_t StreamMonitor::health_changes(HealthState state) const {
  std::lock_guard lock(mutex_);
  return changes_[size_t(state)];
}

}  // namespace relaycast::api
