#include "cluster/autoscaler.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/chrono.h>

#include "cluster/join_bundle.hpp"
#include "core/log.hpp"

namespace relaycast::cluster {
using nlohmann::json;

namespace {

constexpr size_t kDecisionsKept = 50;
constexpr size_t kCommandsKept = 20;

std::string iso(int64_t ms) {
  const std::chrono::sys_seconds t{std::chrono::seconds(ms / 1000)};
  return fmt::format("{:%FT%T}Z", t);
}

json optional_time(const std::optional<int64_t>& ms) { return ms ? json(iso(*ms)) : json(nullptr); }

json number_or_null(double v, double scale = 1000) {
  return std::isfinite(v) ? json(std::round(v * scale) / scale) : json(nullptr);
}

json load_json(const ClusterLoad& l, const std::string& metric) {
  return {{"metric", metric},    {"value", number_or_null(l.value())}, {"demand", number_or_null(l.demand, 1)},
          {"capacity", number_or_null(l.capacity, 1)}, {"per_edge", number_or_null(l.per_edge, 1)},
          {"nodes", l.nodes},    {"edges", l.edges}};
}

json decision_json(const ScaleDecision& d, const std::string& metric) {
  return {{"action", to_string(d.action)},
          {"count", d.count},
          {"node", d.node.empty() ? json(nullptr) : json(d.node)},
          {"rule", d.rule},
          {"reason", d.reason},
          {"load", load_json(d.load, metric)}};
}

json policy_json(const AutoscaleConfig& p) {
  return {{"enabled", p.enabled},
          {"metric", p.metric},
          {"egress_capacity_bps", p.egress_capacity_bps},
          {"target_load", p.target_load},
          {"scale_up_at", p.scale_up_at},
          {"scale_down_at", p.scale_down_at},
          {"min_edges", p.min_edges},
          {"max_edges", p.max_edges},
          {"scale_up_cooldown_s", p.scale_up_cooldown_s},
          {"scale_down_cooldown_s", p.scale_down_cooldown_s},
          {"evaluate_ms", p.evaluate_ms},
          {"launch_timeout_s", p.launch_timeout_s},
          {"drain_timeout_s", p.drain_timeout_s},
          {"command_timeout_s", p.command_timeout_s},
          {"scale_up_command", p.scale_up_command},
          {"scale_down_command", p.scale_down_command}};
}

std::string load_text(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "inf"; }

}  // namespace

Autoscaler::Autoscaler(AutoscaleConfig policy, NodeRegistry& registry, ScalingOrigin origin)
    : policy_(std::move(policy)), registry_(registry), origin_(std::move(origin)) {}

Autoscaler::~Autoscaler() { stop(); }

void Autoscaler::start() {
  if (!policy_.enabled) return;
  spdlog::info("autoscale: every {} ms, {} load target {:.0f} % (up above {:.0f} %, down below {:.0f} %), {} to {} "
               "edges{}",
               policy_.evaluate_ms, policy_.metric, policy_.target_load * 100, policy_.scale_up_at * 100,
               policy_.scale_down_at * 100, policy_.min_edges, policy_.max_edges,
               policy_.scale_up_command.empty() ? "; no scale_up_command: decisions are only logged" : "");
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Autoscaler::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
  std::list<CommandThread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(command_threads_);
  }
  for (auto& t : threads) t.thread.request_stop();  // a command still running is left to itself
}

void Autoscaler::run(std::stop_token stop) {
  std::mutex wait_mutex;
  while (!stop.stop_requested()) {
    const auto started = std::chrono::steady_clock::now();
    try {
      evaluate();
    } catch (const std::exception& e) {
      spdlog::error("autoscale: evaluation failed: {}", e.what());
    }
    std::unique_lock lock(wait_mutex);
    wake_.wait_until(lock, stop, started + std::chrono::milliseconds(policy_.evaluate_ms), [] { return false; });
  }
}

ScaleHistory Autoscaler::history() const {
  ScaleHistory h{last_scale_up_ms_, last_scale_down_ms_, 0, draining_};
  for (const auto& l : launches_) h.pending_launches += l.remaining;
  return h;
}

ScaleDecision Autoscaler::evaluate() {
  const auto nodes = registry_.nodes();
  const int64_t now = wall_clock_ms();
  std::lock_guard lock(mutex_);
  update_pending(nodes, now);
  ScaleDecision d = decide(nodes, policy_, history(), now, origin_.capacity);
  record(d, now);
  act(d, nodes, now);
  return d;
}

// The registry keeps a node that went down for a while, drained mark included: an edge
// launched under the id of one we scaled down would otherwise start drained and never
// get a viewer.
void Autoscaler::undrain_relaunched(const std::vector<NodeView>& nodes) {
  for (auto it = retired_.begin(); it != retired_.end();) {
    const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.report.id == it->first; });
    if (node == nodes.end()) {  // forgotten by the registry: a new one starts clean
      it = retired_.erase(it);
      continue;
    }
    if (node->state == NodeState::down) {
      it->second = true;
    } else if (it->second) {
      if (node->drained) registry_.set_drained(it->first, false);
      spdlog::info("autoscale: {} heartbeats again after its scale-down: a new edge under the same id; undrained",
                   it->first);
      for (auto& l : launches_)
        if (l.remaining > 0) {
          --l.remaining;
          break;
        }
      it = retired_.erase(it);
      continue;
    }
    ++it;
  }
}

void Autoscaler::update_pending(const std::vector<NodeView>& nodes, int64_t now_ms) {
  undrain_relaunched(nodes);
  std::set<std::string> edges;
  for (const auto& n : nodes)
    if (n.report.role == "edge") edges.insert(n.report.id);
  if (known_edges_) {
    for (const auto& id : edges) {
      if (known_edges_->contains(id)) continue;
      for (auto& l : launches_) {
        if (l.remaining == 0) continue;
        --l.remaining;
        spdlog::info("autoscale: edge {} heartbeats, {:.1f} s after its launch", id, (now_ms - l.at_ms) / 1000.0);
        break;
      }
    }
  }
  known_edges_ = std::move(edges);
  for (auto& l : launches_)
    if (l.remaining > 0 && now_ms - l.at_ms > int64_t(policy_.launch_timeout_s) * 1000) {
      spdlog::warn("autoscale: {} of the {} edge(s) launched {} s ago never heartbeated (launch_timeout_s); no "
                   "longer counted as coming",
                   l.remaining, l.count, (now_ms - l.at_ms) / 1000);
      l.remaining = 0;
    }
  std::erase_if(launches_, [](const Launch& l) { return l.remaining == 0; });
  std::erase_if(draining_, [&](const auto& entry) {
    for (const auto& n : nodes)
      if (n.report.id == entry.first && !n.drained && n.state != NodeState::down) {
        spdlog::info("autoscale: {} was undrained by an operator; its scale-down is cancelled", entry.first);
        return true;
      }
    return false;
  });
}

void Autoscaler::record(const ScaleDecision& d, int64_t now_ms) {
  if (!decisions_.empty()) {
    auto& last = decisions_.front();
    const auto& p = last.decision;
    if (p.action == d.action && p.rule == d.rule && p.node == d.node && p.count == d.count) {
      last.decision = d;
      last.last_ms = now_ms;
      ++last.times;
      return;
    }
  }
  decisions_.push_front({d, now_ms, now_ms, 1});
  if (decisions_.size() > kDecisionsKept) decisions_.pop_back();
  const std::string what = d.action == ScaleAction::scale_up ? fmt::format("scale up by {} edge(s)", d.count)
                           : d.action == ScaleAction::drain  ? fmt::format("drain {}", d.node)
                           : d.action == ScaleAction::scale_down ? fmt::format("scale down {}", d.node)
                                                                 : std::string("no change");
  spdlog::info("autoscale: {} ({}): {}", what, d.rule, d.reason);
}

void Autoscaler::set_join_bundle_source(JoinBundleSource source) {
  std::lock_guard lock(join_mutex_);
  join_source_ = std::move(source);
}

Environment Autoscaler::environment(const ScaleDecision& d, const std::vector<NodeView>& nodes) const {
  Environment env = {
      {"RELAYCAST_SCALE_ACTION", d.action == ScaleAction::scale_up ? "up" : "down"},
      {"RELAYCAST_SCALE_COUNT", std::to_string(d.count)},
      {"RELAYCAST_SCALE_RULE", d.rule},
      {"RELAYCAST_SCALE_REASON", d.reason},
      {"RELAYCAST_SCALE_METRIC", policy_.metric},
      {"RELAYCAST_CLUSTER_LOAD", load_text(d.load.value())},
      {"RELAYCAST_TARGET_LOAD", load_text(policy_.target_load)},
      {"RELAYCAST_NODE_COUNT", std::to_string(d.load.nodes)},
      {"RELAYCAST_EDGE_COUNT", std::to_string(d.load.edges)},
      {"RELAYCAST_ORIGIN_ID", origin_.id},
      {"RELAYCAST_ORIGIN_RTMP_URL", origin_.rtmp_url},
      {"RELAYCAST_ORIGIN_HTTP_URL", origin_.http_url},
  };
  if (d.action == ScaleAction::scale_up) {
    // Valid long enough for the slowest launch to send its first heartbeat; after
    // that the edge holds a node credential and the token no longer matters.
    std::lock_guard lock(join_mutex_);
    const auto bundle = join_source_ ? join_source_(int64_t(policy_.launch_timeout_s) + 600) : std::string();
    if (!bundle.empty()) {
      env.emplace_back("RELAYCAST_JOIN_BUNDLE", bundle);
      env.emplace_back("RELAYCAST_JOIN_COMMAND", join_command(bundle));
    }
  }
  if (d.action == ScaleAction::scale_down) {
    env.emplace_back("RELAYCAST_NODE_ID", d.node);
    for (const auto& n : nodes)
      if (n.report.id == d.node) {
        env.emplace_back("RELAYCAST_NODE_RTMP_URL", n.report.rtmp_url);
        env.emplace_back("RELAYCAST_NODE_HTTP_URL", n.report.http_url);
        env.emplace_back("RELAYCAST_NODE_VIEWERS", std::to_string(n.report.viewers));
      }
  }
  return env;
}

void Autoscaler::act(const ScaleDecision& d, const std::vector<NodeView>& nodes, int64_t now_ms) {
  switch (d.action) {
    case ScaleAction::none: return;
    case ScaleAction::scale_up: {
      last_scale_up_ms_ = now_ms;
      if (policy_.scale_up_command.empty()) return;
      const uint64_t id =
          launch_command(d.action, policy_.scale_up_command, environment(d, nodes), d.count, {}, now_ms);
      launches_.push_back({now_ms, d.count, d.count, id});
      return;
    }
    case ScaleAction::drain:
      last_scale_down_ms_ = now_ms;
      if (!registry_.set_drained(d.node, true)) {
        spdlog::warn("autoscale: cannot drain {}: the registry no longer lists it", d.node);
        return;
      }
      draining_[d.node] = now_ms;
      spdlog::info("autoscale: draining {}; scale_down_command runs once its viewers are gone or after {} s", d.node,
                   policy_.drain_timeout_s);
      return;
    case ScaleAction::scale_down:
      draining_.erase(d.node);
      if (policy_.scale_down_command.empty()) {
        spdlog::info("autoscale: no scale_down_command; {} stays drained", d.node);
        return;
      }
      retired_[d.node] = false;
      launch_command(d.action, policy_.scale_down_command, environment(d, nodes), 1, d.node, now_ms);
      return;
  }
}

uint64_t Autoscaler::launch_command(ScaleAction action, const std::string& command, Environment env, uint32_t count,
                                    const std::string& node, int64_t now_ms) {
  const uint64_t id = next_command_++;
  commands_.push_front({id, action, count, node, now_ms, 0, true, {}});
  if (commands_.size() > kCommandsKept) commands_.pop_back();
  const auto timeout = std::chrono::seconds(policy_.command_timeout_s);
  // Threads of commands that ended are joined here, the next time one starts.
  std::erase_if(command_threads_, [](const CommandThread& t) { return t.done->load(); });
  auto done = std::make_shared<std::atomic<bool>>(false);
  command_threads_.push_back({done, std::jthread([this, id, action, command, env = std::move(env), timeout, node,
                                                 count, done](std::stop_token stop) {
    const auto result = run_shell_command(command, env, timeout, stop);
    const std::string name = action == ScaleAction::scale_up ? "scale_up_command" : "scale_down_command";
    const std::string target = node.empty() ? fmt::format("{} edge(s)", count) : node;
    if (result.succeeded())
      spdlog::info("autoscale: {} for {} ended: {} in {} ms", name, target, result.describe(), result.duration_ms);
    else if (!result.abandoned)
      spdlog::error("autoscale: {} for {} failed: {} after {} ms{}{}", name, target, result.describe(),
                    result.duration_ms, result.stderr_head.empty() ? "" : "; stderr: ", result.stderr_head);
    std::lock_guard lock(mutex_);
    for (auto& c : commands_)
      if (c.id == id) {
        c.running = false;
        c.finished_ms = wall_clock_ms();
        c.result = result;
      }
    // A launch that failed brings no edge: do not wait for it.
    if (!result.succeeded()) std::erase_if(launches_, [id](const Launch& l) { return l.command == id; });
    done->store(true);
  })});
  return id;
}

json Autoscaler::status() const {
  const auto nodes = registry_.nodes();
  const int64_t now = wall_clock_ms();
  std::lock_guard lock(mutex_);
  const auto h = history();
  const ScaleDecision now_decision = decide(nodes, policy_, h, now, origin_.capacity);
  json launches = json::array();
  for (const auto& l : launches_)
    launches.push_back({{"launched_at", iso(l.at_ms)}, {"count", l.count}, {"coming", l.remaining}});
  json draining = json::array();
  for (const auto& [id, since] : draining_) {
    json viewers = nullptr;
    for (const auto& n : nodes)
      if (n.report.id == id) viewers = n.report.viewers;
    draining.push_back({{"node", id}, {"since", iso(since)}, {"viewers", viewers}});
  }
  json decisions = json::array();
  for (const auto& r : decisions_) {
    json j = decision_json(r.decision, policy_.metric);
    j["at"] = iso(r.first_ms);
    j["last_at"] = iso(r.last_ms);
    j["times"] = r.times;
    decisions.push_back(std::move(j));
  }
  json commands = json::array();
  for (const auto& c : commands_) {
    const auto& r = c.result;
    commands.push_back({{"action", to_string(c.action)},
                        {"count", c.count},
                        {"node", c.node.empty() ? json(nullptr) : json(c.node)},
                        {"started_at", iso(c.started_ms)},
                        {"running", c.running},
                        {"finished_at", c.running ? json(nullptr) : json(iso(c.finished_ms))},
                        {"duration_ms", c.running ? json(nullptr) : json(r.duration_ms)},
                        {"succeeded", c.running ? json(nullptr) : json(r.succeeded())},
                        {"exit_code", c.running || !r.started || r.signal != 0 ? json(nullptr) : json(r.exit_code)},
                        {"signal", r.signal == 0 ? json(nullptr) : json(r.signal)},
                        {"timed_out", r.timed_out},
                        {"outcome", c.running ? "running" : r.describe()},
                        {"stderr", r.stderr_head}});
  }
  return {{"enabled", policy_.enabled},
          {"policy", policy_json(policy_)},
          {"load", load_json(now_decision.load, policy_.metric)},
          {"plan", decision_json(now_decision, policy_.metric)},
          {"last_scale_up_at", optional_time(h.last_scale_up_ms)},
          {"last_scale_down_at", optional_time(h.last_scale_down_ms)},
          {"pending_launches", launches},
          {"draining", draining},
          {"decisions", decisions},
          {"commands", commands}};
}

}  // namespace relaycast::cluster
