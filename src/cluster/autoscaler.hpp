#pragma once
// The autoscaling hooks ([autoscale]) on the node that hosts the registry: every
// evaluate_ms it asks decide() (scale_decision.hpp) what to do and does it, on a
// thread of its own, never a worker's:
//   scale_up    runs scale_up_command; the edges it launches count as coming (so no
//               second launch for them) until they heartbeat or launch_timeout_s passes
//   drain       drains the edge like POST /api/v1/nodes/{id}/drain
//   scale_down  runs scale_down_command for an edge it drained, once the edge's viewers
//               are gone or drain_timeout_s passed
// Commands run through /bin/sh on threads of their own (shell_command.hpp) with
// RELAYCAST_SCALE_* variables saying why and how many. Every decision is logged when
// it differs from the one before, and kept for GET /api/v1/autoscale.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cluster/node_registry.hpp"
#include "cluster/scale_decision.hpp"
#include "cluster/shell_command.hpp"
#include "core/config.hpp"

namespace relaycast::cluster {

// The node that runs the autoscaler, as the commands are told about it.
struct ScalingOrigin {
  std::string id, rtmp_url, http_url;
  uint32_t capacity = 0;  // what a new edge is assumed to take when no edge says
};

class Autoscaler {
public:
  Autoscaler(AutoscaleConfig policy, NodeRegistry& registry, ScalingOrigin origin);
  ~Autoscaler();

  // Starts evaluating when autoscale.enabled; status() works either way.
  void start();
  void stop();

  // Policy, load, what would be decided now ("plan": nothing is done for it), recent
  // decisions, pending launches, drains and command results.
  nlohmann::json status() const;
  const AutoscaleConfig& policy() const { return policy_; }

  // Where a scale-up's RELAYCAST_JOIN_BUNDLE and RELAYCAST_JOIN_COMMAND come from: a
  // join bundle valid ttl_s, or "" (the control plane holds the join secret, so it
  // sets this; and clears it before it goes away). Without one, they are not set.
  using JoinBundleSource = std::function<std::string(int64_t ttl_s)>;
  void set_join_bundle_source(JoinBundleSource source);

  // One evaluation, acting on the decision; what start() runs every evaluate_ms.
  ScaleDecision evaluate();

private:
  struct Launch {
    int64_t at_ms = 0;
    uint32_t count = 0;      // edges asked for
    uint32_t remaining = 0;  // not heartbeating yet
    uint64_t command = 0;    // its CommandRecord's id
  };
  struct DecisionRecord {
    ScaleDecision decision;
    int64_t first_ms = 0, last_ms = 0;
    uint64_t times = 1;
  };
  struct CommandRecord {
    uint64_t id = 0;
    ScaleAction action = ScaleAction::none;
    uint32_t count = 0;
    std::string node;
    int64_t started_ms = 0, finished_ms = 0;
    bool running = true;
    CommandResult result;
  };

  void run(std::stop_token stop);
  // Edges that heartbeat for the first time take the oldest launches' places; launches
  // that never show up expire. Drains an operator undid are forgotten. Under mutex_.
  void update_pending(const std::vector<NodeView>& nodes, int64_t now_ms);
  ScaleHistory history() const;
  void record(const ScaleDecision& d, int64_t now_ms);
  void act(const ScaleDecision& d, const std::vector<NodeView>& nodes, int64_t now_ms);
  // Starts `command` on a thread of its own; its id.
  uint64_t launch_command(ScaleAction action, const std::string& command, Environment env, uint32_t count,
                          const std::string& node, int64_t now_ms);
  Environment environment(const ScaleDecision& d, const std::vector<NodeView>& nodes) const;
  void undrain_relaunched(const std::vector<NodeView>& nodes);

  const AutoscaleConfig policy_;
  NodeRegistry& registry_;
  const ScalingOrigin origin_;

  mutable std::mutex mutex_;
  std::optional<int64_t> last_scale_up_ms_, last_scale_down_ms_;
  std::list<Launch> launches_;
  std::map<std::string, int64_t> draining_;  // drained by us: id -> since
  // Scaled down by us: id -> seen down since. One that heartbeats again after that is
  // a new edge under the same id (clouds reuse names), not the drained one.
  std::map<std::string, bool> retired_;
  std::optional<std::set<std::string>> known_edges_;  // edges in the table at the last evaluation
  std::deque<DecisionRecord> decisions_;  // newest first
  std::deque<CommandRecord> commands_;    // newest first
  uint64_t next_command_ = 1;
  struct CommandThread {
    std::shared_ptr<std::atomic<bool>> done;  // set as its thread's last step: joining it is quick
    std::jthread thread;
  };
  std::list<CommandThread> command_threads_;

  std::condition_variable_any wake_;
  std::jthread thread_;
  mutable std::mutex join_mutex_;  // held while the source is called, so clearing it waits
  JoinBundleSource join_source_;
};

}  // namespace relaycast::cluster
