// The autoscaler's decision: launches above scale_up_at (enough to come back to
// target_load), drains below scale_down_at only when the rest stay under target,
// min/max edges, cool-downs, launches still coming, drain-then-remove with a timeout,
// and down or draining nodes left out of the load.
#include "cluster/scale_decision.hpp"

#include <gtest/gtest.h>

namespace relaycast::cluster {
namespace {

constexpr int64_t kDecisionTime = 1'000'000'000;

NodeView node(std::string id, uint64_t viewers, uint32_t capacity = 10, std::string role = "edge",
              NodeState state = NodeState::active) {
  NodeView v;
  v.report.id = std::move(id);
  v.report.role = std::move(role);
  v.report.viewers = viewers;
  v.report.capacity = capacity;
  v.state = state;
  v.drained = state == NodeState::draining;
  return v;
}

NodeView origin(uint64_t viewers, uint32_t capacity = 10) { return node("origin", viewers, capacity, "origin"); }

AutoscaleConfig policy() {
  AutoscaleConfig p;
  p.enabled = true;
  p.target_load = 0.7;
  p.scale_up_at = 0.8;
  p.scale_down_at = 0.4;
  p.min_edges = 0;
  p.max_edges = 5;
  p.scale_up_cooldown_s = 60;
  p.scale_down_cooldown_s = 120;
  p.drain_timeout_s = 300;
  return p;
}

ScaleDecision decide_now(const std::vector<NodeView>& nodes, const AutoscaleConfig& p = policy(),
                         const ScaleHistory& h = {}) {
  return decide(nodes, p, h, kDecisionTime, 10);
}

TEST(ScaleDecision, NothingToDoWithinTheBand) {
  // 12 of 20: 60 %, between 40 % and 80 %.
  const auto d = decide_now({origin(6), node("e1", 6)});
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "within_band");
  EXPECT_DOUBLE_EQ(d.load.value(), 0.6);
  EXPECT_NE(d.reason.find("60 %"), std::string::npos) << d.reason;
}

TEST(ScaleDecision, LaunchesEnoughEdgesToComeBackToTarget) {
  // 18 of 20 (90 %): 18 / 0.7 = 25.7 viewers of capacity needed, 6 more: one edge of 10.
  auto d = decide_now({origin(9), node("e1", 9)});
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_EQ(d.rule, "above_scale_up");
  EXPECT_EQ(d.count, 1u);
  // 40 of 20 (200 %): 57.1 needed, 37.1 more: four edges.
  d = decide_now({origin(20), node("e1", 20)});
  EXPECT_EQ(d.count, 4u);
  EXPECT_NE(d.reason.find("200 %"), std::string::npos) << d.reason;
}

TEST(ScaleDecision, HysteresisBetweenTheThresholds) {
  // 15 of 20 (75 %) is above target but below scale_up_at: no launch.
  EXPECT_EQ(decide_now({origin(8), node("e1", 7)}).action, ScaleAction::none);
  // 17 of 20 (85 %): above scale_up_at.
  EXPECT_EQ(decide_now({origin(9), node("e1", 8)}).action, ScaleAction::scale_up);
  // 9 of 30 (30 %) is below scale_down_at, but without an edge 9 of 20 = 45 % is
  // under target: one is drained. At 13 of 30 (43 %) nothing happens.
  EXPECT_EQ(decide_now({origin(3), node("e1", 3), node("e2", 3)}).action, ScaleAction::drain);
  EXPECT_EQ(decide_now({origin(5), node("e1", 4), node("e2", 4)}).action, ScaleAction::none);
}

TEST(ScaleDecision, DoesNotDrainWhenTheRestWouldBeAboveTarget) {
  // 11 of 30 (37 %) < 40 %, but without one edge: 11 of 20 = 55 %: fine. With a
  // target of 0.5 it would be above: no drain.
  auto p = policy();
  p.target_load = 0.5;
  p.scale_down_at = 0.4;
  const auto d = decide_now({origin(5), node("e1", 3), node("e2", 3)}, p);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "would_overload");
}

TEST(ScaleDecision, DrainsTheLeastLoadedEdgeNeverTheOrigin) {
  const auto d = decide_now({origin(0), node("busy", 3), node("quiet", 1), node("idle-big", 1, 100)});
  EXPECT_EQ(d.action, ScaleAction::drain);
  EXPECT_EQ(d.node, "idle-big");  // 1 of 100 is the lowest load
  EXPECT_EQ(d.count, 1u);
}

TEST(ScaleDecision, MinEdgesLaunchesAndHolds) {
  auto p = policy();
  p.min_edges = 2;
  auto d = decide_now({origin(0)}, p);
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_EQ(d.rule, "below_min_edges");
  EXPECT_EQ(d.count, 2u);
  // An idle cluster at min_edges keeps them.
  d = decide_now({origin(0), node("e1", 0), node("e2", 0)}, p);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "min_edges");
}

TEST(ScaleDecision, MaxEdgesCapsLaunchesAndDrainsTheExtra) {
  auto p = policy();
  p.max_edges = 2;
  // 100 of 20 wants many edges; only one more fits under max_edges.
  auto d = decide_now({origin(50), node("e1", 50)}, p);
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_EQ(d.count, 1u);
  d = decide_now({origin(50), node("e1", 25), node("e2", 25)}, p);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "max_edges");
  // Three edges with max_edges 2 (lowered at a restart): one is drained whatever the load.
  d = decide_now({origin(9), node("e1", 9), node("e2", 8), node("e3", 9)}, p);
  EXPECT_EQ(d.action, ScaleAction::drain);
  EXPECT_EQ(d.rule, "above_max_edges");
  EXPECT_EQ(d.node, "e2");
}

TEST(ScaleDecision, ScaleUpCooldownHolds) {
  ScaleHistory h;
  h.last_scale_up_ms = kDecisionTime - 30'000;  // 30 s of the 60 s cool-down passed
  auto d = decide_now({origin(10), node("e1", 10)}, policy(), h);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "cooldown_up");
  EXPECT_NE(d.reason.find("30 s left"), std::string::npos) << d.reason;
  h.last_scale_up_ms = kDecisionTime - 60'000;
  EXPECT_EQ(decide_now({origin(10), node("e1", 10)}, policy(), h).action, ScaleAction::scale_up);
}

TEST(ScaleDecision, ScaleDownCooldownCountsFromAnyAction) {
  ScaleHistory h;
  h.last_scale_up_ms = kDecisionTime - 100'000;  // a launch 100 s ago: 20 s of the 120 s left
  auto d = decide_now({origin(0), node("e1", 0)}, policy(), h);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "cooldown_down");
  h.last_scale_up_ms = kDecisionTime - 200'000;
  h.last_scale_down_ms = kDecisionTime - 10'000;
  EXPECT_EQ(decide_now({origin(0), node("e1", 0)}, policy(), h).rule, "cooldown_down");
  h.last_scale_down_ms = kDecisionTime - 120'000;
  EXPECT_EQ(decide_now({origin(0), node("e1", 0)}, policy(), h).action, ScaleAction::drain);
}

TEST(ScaleDecision, LaunchesStillComingAreNotLaunchedAgain) {
  auto p = policy();
  p.scale_up_cooldown_s = 0;
  ScaleHistory h;
  h.pending_launches = 1;
  // 18 of 20 (90 %); with the edge coming, 18 of 30 (60 %).
  auto d = decide_now({origin(9), node("e1", 9)}, p, h);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "launch_pending");
  // 40 of 20: even with one coming (40 of 30) more are needed: 57.1 - 30 = 27.1, three.
  d = decide_now({origin(20), node("e1", 20)}, p, h);
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_EQ(d.count, 3u);
  // Nor is an edge drained while one is coming.
  EXPECT_EQ(decide_now({origin(0), node("e1", 0)}, p, h).rule, "launch_pending");
}

TEST(ScaleDecision, DrainedEdgeIsRemovedOnceEmptyOrAfterTheTimeout) {
  ScaleHistory h;
  h.draining = {{"e2", kDecisionTime - 10'000}};
  auto draining = node("e2", 2, 10, "edge", NodeState::draining);
  // Viewers still on it: wait (and drain nothing else).
  auto d = decide_now({origin(0), node("e1", 0), draining}, policy(), h);
  EXPECT_EQ(d.action, ScaleAction::none);
  EXPECT_EQ(d.rule, "drain_in_progress");
  // Empty: remove it.
  draining.report.viewers = 0;
  d = decide_now({origin(0), node("e1", 0), draining}, policy(), h);
  EXPECT_EQ(d.action, ScaleAction::scale_down);
  EXPECT_EQ(d.rule, "drain_done");
  EXPECT_EQ(d.node, "e2");
  // Viewers that stay past drain_timeout_s do not hold it forever.
  draining.report.viewers = 2;
  h.draining = {{"e2", kDecisionTime - 300'000}};
  d = decide_now({origin(0), node("e1", 0), draining}, policy(), h);
  EXPECT_EQ(d.action, ScaleAction::scale_down);
  EXPECT_EQ(d.rule, "drain_timeout");
  // Gone from the registry (it stopped by itself): removed too.
  d = decide_now({origin(0), node("e1", 0)}, policy(), h);
  EXPECT_EQ(d.action, ScaleAction::scale_down);
  EXPECT_EQ(d.rule, "drained_node_gone");
}

TEST(ScaleDecision, DownAndDrainingNodesAddNoCapacity) {
  // 9 viewers on the origin; a down edge and an operator-drained edge give nothing:
  // 9 of 10 (90 %) -> launch.
  const auto d = decide_now({origin(9), node("gone", 0, 10, "edge", NodeState::down),
                             node("drained", 0, 10, "edge", NodeState::draining)});
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_EQ(d.load.edges, 0u);
  EXPECT_DOUBLE_EQ(d.load.capacity, 10);
  // The viewers still on a draining edge count as demand; a down node's do not.
  auto busy_drained = node("drained", 4, 10, "edge", NodeState::draining);
  auto busy_down = node("gone", 50, 10, "edge", NodeState::down);
  EXPECT_DOUBLE_EQ(decide_now({origin(2), busy_drained, busy_down}).load.demand, 6);
}

TEST(ScaleDecision, DemandWithNoCapacityLaunches) {
  // An origin that takes no viewers itself (capacity 0) and no edge yet.
  const auto d = decide_now({origin(3, 0)});
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_EQ(d.count, 1u);  // 3 / 0.7 = 4.3 of the assumed 10 per edge
  EXPECT_EQ(decide_now({origin(0, 0)}).rule, "no_edge");
}

TEST(ScaleDecision, EgressMetricUsesTheEgressCapacity) {
  auto p = policy();
  p.metric = "egress";
  p.egress_capacity_bps = 100'000'000;
  auto o = origin(0);
  o.report.egress_bps = 90e6;
  auto d = decide_now({o}, p);
  EXPECT_EQ(d.action, ScaleAction::scale_up);
  EXPECT_DOUBLE_EQ(d.load.value(), 0.9);
  o.report.egress_bps = 50e6;
  EXPECT_EQ(decide_now({o}, p).action, ScaleAction::none);
}

}  // namespace
}  // namespace relaycast::cluster
