#include "cluster/scale_decision.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include <fmt/format.h>

namespace relaycast::cluster {
namespace {

bool takes_viewers(const NodeView& n) { return n.state == NodeState::active && n.report.capacity > 0; }

double node_demand(const NodeView& n, const AutoscaleConfig& policy) {
  return policy.metric == "egress" ? n.report.egress_bps : double(n.report.viewers + n.pending);
}

double node_capacity(const NodeView& n, const AutoscaleConfig& policy) {
  return policy.metric == "egress" ? double(policy.egress_capacity_bps) : double(n.report.capacity);
}

std::string percent(double load) {
  if (!std::isfinite(load)) return "unbounded (demand and no capacity)";
  return fmt::format("{:.0f} %", load * 100);
}

std::string seconds(int64_t ms) { return fmt::format("{:.0f} s", std::ceil(double(ms) / 1000)); }

ScaleDecision make(ScaleAction action, std::string rule, std::string reason, const ClusterLoad& load,
                   uint32_t count = 0, std::string node = {}) {
  return {action, count, std::move(node), std::move(rule), std::move(reason), load};
}

// An edge the autoscaler drained: remove it once its viewers are gone, it went down,
// or drain_timeout_s passed.
std::optional<ScaleDecision> finish_drain(const std::vector<NodeView>& nodes, const AutoscaleConfig& policy,
                                          const ScaleHistory& history, int64_t now_ms, const ClusterLoad& load) {
  for (const auto& [id, since] : history.draining) {
    const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const NodeView& n) { return n.report.id == id; });
    if (it == nodes.end() || it->state == NodeState::down)
      return make(ScaleAction::scale_down, "drained_node_gone",
                  fmt::format("{} stopped heartbeating while drained", id), load, 1, id);
    const uint64_t viewers = it->report.viewers + it->pending;
    if (viewers == 0)
      return make(ScaleAction::scale_down, "drain_done",
                  fmt::format("{} has no viewers left after {} of drain", id, seconds(now_ms - since)), load, 1, id);
    if (now_ms - since >= int64_t(policy.drain_timeout_s) * 1000)
      return make(ScaleAction::scale_down, "drain_timeout",
                  fmt::format("{} still has {} viewer(s) after drain_timeout_s ({} s)", id, viewers,
                              policy.drain_timeout_s),
                  load, 1, id);
  }
  return std::nullopt;
}

// How many edges bring the load back to target_load (at least one).
uint32_t edges_for_target(const ClusterLoad& load, const AutoscaleConfig& policy, uint32_t pending) {
  if (load.per_edge <= 0) return 1;
  const double needed = load.demand / policy.target_load - load.capacity - pending * load.per_edge;
  return uint32_t(std::max(1.0, std::ceil(needed / load.per_edge - 1e-9)));
}

std::optional<ScaleDecision> scale_up(const AutoscaleConfig& policy, const ScaleHistory& history, int64_t now_ms,
                                      const ClusterLoad& load) {
  const uint32_t pending = history.pending_launches;
  const double raw = load.value();
  const double with_pending =
      pending == 0 ? raw : load.demand / (load.capacity + pending * std::max(load.per_edge, 1e-9));
  uint32_t want = 0;
  std::string rule, why;
  if (load.edges + pending < policy.min_edges) {
    want = policy.min_edges - load.edges - pending;
    rule = "below_min_edges";
    why = fmt::format("{} edge(s) up and {} coming, min_edges is {}", load.edges, pending, policy.min_edges);
  } else if (raw > policy.scale_up_at && with_pending <= policy.scale_up_at) {
    return make(ScaleAction::none, "launch_pending",
                fmt::format("load {} is above scale_up_at ({}) but {} launched edge(s) are not heartbeating yet",
                            percent(raw), percent(policy.scale_up_at), pending),
                load);
  } else if (with_pending > policy.scale_up_at) {
    want = edges_for_target(load, policy, pending);
    rule = "above_scale_up";
    why = fmt::format("load {} is above scale_up_at ({}); {} more edge(s) bring it to target_load ({})",
                      percent(raw), percent(policy.scale_up_at), want, percent(policy.target_load));
  } else {
    return std::nullopt;
  }
  const uint32_t room = policy.max_edges > load.edges + pending ? policy.max_edges - load.edges - pending : 0;
  if (room == 0) {
    if (load.edges > policy.max_edges) return std::nullopt;  // too many already: scale_down drains one
    return make(ScaleAction::none, "max_edges",
                fmt::format("{}, but max_edges ({}) are up or coming", why, policy.max_edges), load);
  }
  if (want > room) {
    why += fmt::format(" (only {} within max_edges {})", room, policy.max_edges);
    want = room;
  }
  const int64_t cooldown_ms = int64_t(policy.scale_up_cooldown_s) * 1000;
  if (history.last_scale_up_ms && now_ms - *history.last_scale_up_ms < cooldown_ms)
    return make(ScaleAction::none, "cooldown_up",
                fmt::format("{}, but the scale-up cool-down has {} left", why,
                            seconds(*history.last_scale_up_ms + cooldown_ms - now_ms)),
                load);
  return make(ScaleAction::scale_up, rule, why, load, want);
}

// The least loaded edge that takes viewers: the cheapest to empty.
const NodeView* drain_candidate(const std::vector<NodeView>& nodes) {
  const NodeView* best = nullptr;
  auto rank = [](const NodeView& n) { return std::tuple(n.load(), n.report.viewers + n.pending, n.report.id); };
  for (const auto& n : nodes)
    if (n.report.role == "edge" && takes_viewers(n) && (!best || rank(n) < rank(*best))) best = &n;
  return best;
}

std::optional<ScaleDecision> scale_down(const std::vector<NodeView>& nodes, const AutoscaleConfig& policy,
                                        const ScaleHistory& history, int64_t now_ms, const ClusterLoad& load) {
  const double value = load.value();
  const bool over_max = load.edges > policy.max_edges;
  if (!over_max && !(value < policy.scale_down_at)) return std::nullopt;
  const NodeView* edge = drain_candidate(nodes);
  if (!edge)
    return make(ScaleAction::none, "no_edge",
                fmt::format("load {} is below scale_down_at ({}); no edge to remove", percent(value),
                            percent(policy.scale_down_at)),
                load);
  std::string why;
  if (over_max) {
    why = fmt::format("{} edges are up, max_edges is {}", load.edges, policy.max_edges);
  } else {
    if (load.edges <= policy.min_edges)
      return make(ScaleAction::none, "min_edges",
                  fmt::format("load {} is below scale_down_at ({}) but {} edge(s) are up, min_edges is {}",
                              percent(value), percent(policy.scale_down_at), load.edges, policy.min_edges),
                  load);
    if (history.pending_launches > 0)
      return make(ScaleAction::none, "launch_pending",
                  fmt::format("load {} is below scale_down_at ({}) but {} launched edge(s) are still coming",
                              percent(value), percent(policy.scale_down_at), history.pending_launches),
                  load);
    const double rest = load.capacity - node_capacity(*edge, policy);
    const double after = load.demand == 0 ? 0 : rest > 0 ? load.demand / rest : std::numeric_limits<double>::infinity();
    if (after > policy.target_load)
      return make(ScaleAction::none, "would_overload",
                  fmt::format("load {} is below scale_down_at ({}) but without {} it would be {}, above target_load "
                              "({})",
                              percent(value), percent(policy.scale_down_at), edge->report.id, percent(after),
                              percent(policy.target_load)),
                  load);
    why = fmt::format("load {} is below scale_down_at ({}); without {} (the least loaded edge) it would be {}",
                      percent(value), percent(policy.scale_down_at), edge->report.id, percent(after));
  }
  const int64_t cooldown_ms = int64_t(policy.scale_down_cooldown_s) * 1000;
  const int64_t last = std::max(history.last_scale_up_ms.value_or(INT64_MIN), history.last_scale_down_ms.value_or(INT64_MIN));
  if (last != INT64_MIN && now_ms - last < cooldown_ms)
    return make(ScaleAction::none, "cooldown_down",
                fmt::format("{}, but the scale-down cool-down has {} left", why, seconds(last + cooldown_ms - now_ms)),
                load);
  return make(ScaleAction::drain, over_max ? "above_max_edges" : "below_scale_down", why, load, 1, edge->report.id);
}

}  // namespace

std::string_view to_string(ScaleAction a) {
  switch (a) {
    case ScaleAction::none: return "none";
    case ScaleAction::scale_up: return "scale_up";
    case ScaleAction::drain: return "drain";
    case ScaleAction::scale_down: return "scale_down";
  }
  return "unknown";
}

double ClusterLoad::value() const {
  if (demand <= 0) return 0;
  if (capacity <= 0) return std::numeric_limits<double>::infinity();
  return demand / capacity;
}

ClusterLoad measure_load(const std::vector<NodeView>& nodes, const AutoscaleConfig& policy, uint32_t fallback_capacity) {
  ClusterLoad load;
  double edge_capacity = 0;
  for (const auto& n : nodes) {
    if (n.state == NodeState::down) continue;
    load.demand += node_demand(n, policy);
    if (!takes_viewers(n)) continue;
    load.capacity += node_capacity(n, policy);
    ++load.nodes;
    if (n.report.role == "edge") {
      ++load.edges;
      edge_capacity += node_capacity(n, policy);
    }
  }
  if (policy.metric == "egress") load.per_edge = double(policy.egress_capacity_bps);
  else if (load.edges > 0) load.per_edge = edge_capacity / load.edges;
  else if (load.nodes > 0) load.per_edge = load.capacity / load.nodes;
  else load.per_edge = fallback_capacity;
  return load;
}

ScaleDecision decide(const std::vector<NodeView>& nodes, const AutoscaleConfig& policy, const ScaleHistory& history,
                     int64_t now_ms, uint32_t fallback_capacity) {
  const ClusterLoad load = measure_load(nodes, policy, fallback_capacity);
  if (auto d = finish_drain(nodes, policy, history, now_ms, load)) return std::move(*d);
  if (auto d = scale_up(policy, history, now_ms, load)) return std::move(*d);
  // One scale-down at a time: the next is decided once this one's edge is gone.
  if (!history.draining.empty()) {
    const auto& [id, since] = *history.draining.begin();
    uint64_t viewers = 0;
    for (const auto& n : nodes)
      if (n.report.id == id) viewers = n.report.viewers + n.pending;
    return make(ScaleAction::none, "drain_in_progress",
                fmt::format("waiting for {} to drain: {} viewer(s) left, {} of drain_timeout_s left", id, viewers,
                            seconds(since + int64_t(policy.drain_timeout_s) * 1000 - now_ms)),
                load);
  }
  if (auto d = scale_down(nodes, policy, history, now_ms, load)) return std::move(*d);
  return make(ScaleAction::none, "within_band",
              fmt::format("load {} is between scale_down_at ({}) and scale_up_at ({}), {} edge(s) up",
                          percent(load.value()), percent(policy.scale_down_at), percent(policy.scale_up_at),
                          load.edges),
              load);
}

}  // namespace relaycast::cluster
