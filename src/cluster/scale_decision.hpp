#pragma once
// The autoscaler's decision, a pure function of what the registry knows, the policy
// ([autoscale]) and what the autoscaler did before (ScaleHistory): launch edges, drain
// one, remove a drained one, or nothing, always with the rule that decided and a
// sentence saying why. No clock, no I/O: the Autoscaler (autoscaler.hpp) feeds it and
// acts on the answer; `relaycast autoscale plan` shows it without acting.
//
// Load: the demand (viewers and viewers sent since the last heartbeat, or egress bit/s)
// of every node that is up, draining ones included (their viewers are still served and
// come back elsewhere when they reconnect), over the capacity of the nodes that take
// new viewers (active, with cluster.capacity > 0; egress_capacity_bps each for the
// egress metric). Hysteresis: edges are added above scale_up_at, enough to come back to
// target_load; one is drained below scale_down_at, and only if the others would then
// stay at or under target_load.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/node_report.hpp"
#include "core/config.hpp"

namespace relaycast::cluster {

enum class ScaleAction {
  none,
  scale_up,    // run scale_up_command for `count` new edges
  drain,       // drain `node` (the first step of a scale-down)
  scale_down,  // `node` is drained and empty (or its drain timed out): run scale_down_command
};
std::string_view to_string(ScaleAction a);

// What the autoscaler did before, as the decision needs it.
struct ScaleHistory {
  std::optional<int64_t> last_scale_up_ms;    // the last launch
  std::optional<int64_t> last_scale_down_ms;  // the last drain started
  uint32_t pending_launches = 0;              // edges launched that have not heartbeated yet (within launch_timeout_s)
  std::map<std::string, int64_t> draining;    // node id -> when the autoscaler drained it
};

struct ClusterLoad {
  double demand = 0;    // viewers or bit/s on the nodes that are up
  double capacity = 0;  // of the nodes that take new viewers
  double per_edge = 0;  // what one more edge adds to capacity
  uint32_t nodes = 0;   // nodes that take new viewers (origins with capacity included)
  uint32_t edges = 0;   // edges that take new viewers
  // demand / capacity: 0 for an idle cluster, infinite for demand with no capacity.
  double value() const;
};

struct ScaleDecision {
  ScaleAction action = ScaleAction::none;
  uint32_t count = 0;    // scale_up: edges to launch; drain, scale_down: 1
  std::string node;      // drain, scale_down: which edge
  std::string rule;      // what decided, stable for logs and tests: "above_scale_up", "cooldown_up", ...
  std::string reason;    // for people
  ClusterLoad load;
};

// `fallback_capacity`: what a new edge is assumed to take when no node says (the
// deciding node's cluster.capacity).
ClusterLoad measure_load(const std::vector<NodeView>& nodes, const AutoscaleConfig& policy, uint32_t fallback_capacity);

ScaleDecision decide(const std::vector<NodeView>& nodes, const AutoscaleConfig& policy, const ScaleHistory& history,
                     int64_t now_ms, uint32_t fallback_capacity);

}  // namespace relaycast::cluster
