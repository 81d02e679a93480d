// The balancer's choice: least loaded relative to capacity; down, draining and
// capacity-less nodes never chosen; edges before origins.
#include "cluster/balancer.hpp"

#include <gtest/gtest.h>

namespace relaycast::cluster {
namespace {

NodeView node(std::string id, uint64_t viewers, uint32_t capacity, std::string role = "edge",
              NodeState state = NodeState::active) {
  NodeView v;
  v.report.id = std::move(id);
  v.report.role = std::move(role);
  v.report.viewers = viewers;
  v.report.capacity = capacity;
  v.state = state;
  return v;
}

std::string chosen(const std::vector<NodeView>& nodes) {
  auto i = choose_node(nodes);
  return i ? nodes[*i].report.id : "none";
}

TEST(Balancer, PicksTheLeastLoadedRelativeToCapacity) {
  // 50 of 100 is more loaded than 80 of 400.
  EXPECT_EQ(chosen({node("small", 50, 100), node("big", 80, 400)}), "big");
  EXPECT_EQ(chosen({node("a", 10, 100), node("b", 5, 100), node("c", 7, 100)}), "b");
}

TEST(Balancer, CountsViewersSentSinceTheLastHeartbeat) {
  auto a = node("a", 10, 100), b = node("b", 12, 100);
  a.pending = 5;
  EXPECT_EQ(chosen({a, b}), "b");
}

TEST(Balancer, SkipsDownDrainingAndCapacitylessNodes) {
  EXPECT_EQ(chosen({node("down", 0, 100, "edge", NodeState::down), node("busy", 90, 100)}), "busy");
  EXPECT_EQ(chosen({node("draining", 0, 100, "edge", NodeState::draining), node("busy", 90, 100)}), "busy");
  EXPECT_EQ(chosen({node("zero", 0, 0), node("busy", 90, 100)}), "busy");
  EXPECT_EQ(chosen({node("down", 0, 100, "edge", NodeState::down), node("draining", 0, 100, "edge", NodeState::draining)}),
            "none");
  EXPECT_EQ(chosen({}), "none");
}

TEST(Balancer, PrefersEdgesAndFallsBackToOrigins) {
  EXPECT_EQ(chosen({node("origin", 0, 1000, "origin"), node("edge", 500, 1000)}), "edge");
  EXPECT_EQ(chosen({node("origin", 0, 1000, "origin"), node("edge", 0, 1000, "edge", NodeState::down)}), "origin");
}

TEST(Balancer, StillSendsViewersWhenEveryNodeIsFull) {
  EXPECT_EQ(chosen({node("a", 150, 100), node("b", 120, 100)}), "b");
}

TEST(Balancer, BreaksTiesTheSameWayEverywhere) {
  EXPECT_EQ(chosen({node("b", 0, 100), node("a", 0, 100)}), "a");
}

}  // namespace
}  // namespace relaycast::cluster
