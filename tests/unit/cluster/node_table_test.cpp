// The registry's table: expiry of nodes whose heartbeats stop, drains, pending
// viewers, the stream -> origin map, and merging what Redis holds.
#include "cluster/node_table.hpp"

#include <gtest/gtest.h>

namespace relaycast::cluster {
namespace {
using std::chrono::milliseconds;

NodeReport report(std::string id, std::string role = "edge", uint64_t viewers = 0, std::vector<std::string> streams = {}) {
  return {.id = id, .role = std::move(role), .rtmp_url = "rtmp://" + id + ":1935",
          .http_url = "http://" + id + ":8080", .viewers = viewers, .capacity = 100, .streams = std::move(streams)};
}

TEST(NodeTable, NodeIsDownOnceHeartbeatsStopForTheBound) {
  NodeTable t(milliseconds(5000), milliseconds(60000));
  t.heartbeat(report("e1"), 1000);
  EXPECT_EQ(t.find("e1", 6000)->state, NodeState::active);
  EXPECT_EQ(t.find("e1", 6001)->state, NodeState::down);
  t.heartbeat(report("e1"), 7000);
  EXPECT_EQ(t.find("e1", 7001)->state, NodeState::active);
}

TEST(NodeTable, ForgetsNodesGoneForLong) {
  NodeTable t(milliseconds(5000), milliseconds(60000));
  t.heartbeat(report("e1"), 0);
  t.heartbeat(report("e2"), 50000);
  EXPECT_EQ(t.forget_stale(60001), std::vector<std::string>{"e1"});
  EXPECT_EQ(t.list(60001).size(), 1u);
}

TEST(NodeTable, DrainedNodeStaysListedButGetsNoViewers) {
  NodeTable t(milliseconds(5000), milliseconds(60000));
  t.heartbeat(report("e1", "edge", 0), 0);
  t.heartbeat(report("e2", "edge", 50), 0);
  EXPECT_TRUE(t.set_drained("e1", true));
  EXPECT_FALSE(t.set_drained("nobody", true));
  EXPECT_EQ(t.find("e1", 1)->state, NodeState::draining);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(t.pick_for_viewer(1)->report.id, "e2");
  EXPECT_TRUE(t.set_drained("e1", false));
  EXPECT_EQ(t.pick_for_viewer(1)->report.id, "e1");
}

TEST(NodeTable, ViewersSentAreCountedUntilTheNextHeartbeat) {
  NodeTable t(milliseconds(5000), milliseconds(60000));
  t.heartbeat(report("a"), 0);
  t.heartbeat(report("b"), 0);
  // Between heartbeats the choice alternates, rather than sending everyone to one.
  std::map<std::string, int> sent;
  for (int i = 0; i < 10; ++i) ++sent[t.pick_for_viewer(1)->report.id];
  EXPECT_EQ(sent["a"], 5);
  EXPECT_EQ(sent["b"], 5);
  t.heartbeat(report("a", "edge", 5), 2);
  EXPECT_EQ(t.find("a", 2)->pending, 0u);
  EXPECT_EQ(t.find("b", 2)->pending, 5u);
}

TEST(NodeTable, KnowsWhichOriginHoldsAStream) {
  NodeTable t(milliseconds(5000), milliseconds(60000));
  t.heartbeat(report("o1", "origin", 0, {"live/cam"}), 0);
  t.heartbeat(report("o2", "origin", 0, {"live/slides"}), 0);
  t.heartbeat(report("e1", "edge", 0, {"live/other"}), 0);  // an edge is never an origin
  EXPECT_EQ(t.origin_of("live/cam", 1), "rtmp://o1:1935");
  EXPECT_EQ(t.origin_of("live/slides", 1), "rtmp://o2:1935");
  EXPECT_EQ(t.origin_of("live/other", 1), std::nullopt);
  EXPECT_EQ(t.origin_of("live/cam", 5001), std::nullopt) << "a down origin holds nothing";
  EXPECT_EQ(t.stream_origins(1).size(), 2u);
}

TEST(NodeTable, ReplaceKeepsNewerLocalHeartbeatsAndTakesDrains) {
  NodeTable t(milliseconds(5000), milliseconds(60000));
  t.heartbeat(report("local", "edge", 7), 2000);
  t.replace({{report("local", "edge", 1), 1000}, {report("remote", "edge", 3), 1500}}, {"remote"});
  EXPECT_EQ(t.find("local", 2000)->report.viewers, 7u) << "the store's older heartbeat must not win";
  EXPECT_EQ(t.find("remote", 2000)->state, NodeState::draining);
  EXPECT_EQ(t.list(2000).size(), 2u);
}

}  // namespace
}  // namespace relaycast::cluster
