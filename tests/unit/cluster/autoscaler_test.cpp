// The autoscaler acting on an embedded registry, with shell commands that write what
// they were told into a temporary directory: a launch counts as coming until a new
// edge heartbeats, a failed launch is not waited for, a drain drains in the registry,
// an operator's undrain cancels the scale-down, and status() shows it all.
#include "cluster/autoscaler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cluster/embedded_registry.hpp"

namespace relaycast::cluster {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class AutoscalerTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "relaycast-autoscale-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(pattern.data()));
    dir_ = pattern;
    policy_.enabled = true;
    policy_.target_load = 0.75;
    policy_.scale_up_at = 0.9;
    policy_.scale_down_at = 0.3;
    policy_.max_edges = 3;
    policy_.scale_up_cooldown_s = 0;
    policy_.scale_down_cooldown_s = 0;
    policy_.scale_up_command = "env | grep ^RELAYCAST_ > " + (dir_ / "up.env").string();
    policy_.scale_down_command = "env | grep ^RELAYCAST_ > " + (dir_ / "down.env").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void heartbeat(const std::string& id, const std::string& role, uint64_t viewers) {
    NodeReport r;
    r.id = id;
    r.role = role;
    r.viewers = viewers;
    r.capacity = 4;
    registry_.heartbeat(r);
  }

  // Until the newest command has ended.
  static nlohmann::json settled(const Autoscaler& a) {
    for (int i = 0; i < 200; ++i) {
      auto s = a.status();
      if (!s["commands"].empty() && !s["commands"][0]["running"].get<bool>()) return s;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "the command did not end within 2 s";
    return {};
  }

  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
  AutoscaleConfig policy_;
  EmbeddedRegistry registry_{5000ms};
  ScalingOrigin origin_{"origin", "rtmp://o:1935", "http://o:8080", 4};
};

TEST_F(AutoscalerTest, LaunchCountsAsComingUntilANewEdgeHeartbeats) {
  Autoscaler a(policy_, registry_, origin_);
  heartbeat("origin", "origin", 4);  // 4 of 4
  EXPECT_EQ(a.evaluate().action, ScaleAction::scale_up);
  const auto s = settled(a);
  EXPECT_TRUE(s["commands"][0]["succeeded"].get<bool>()) << s.dump();
  const auto env = read("up.env");
  EXPECT_NE(env.find("RELAYCAST_SCALE_ACTION=up\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RELAYCAST_SCALE_COUNT=1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RELAYCAST_CLUSTER_LOAD=1.000\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RELAYCAST_ORIGIN_HTTP_URL=http://o:8080\n"), std::string::npos) << env;
  // No cool-down here: only the launch still coming keeps it from launching again.
  auto d = a.evaluate();
  EXPECT_EQ(d.rule, "launch_pending");
  EXPECT_EQ(a.status()["pending_launches"][0]["coming"], 1);
  heartbeat("e1", "edge", 0);
  d = a.evaluate();
  EXPECT_EQ(d.rule, "within_band");  // 4 of 8
  EXPECT_TRUE(a.status()["pending_launches"].empty());
}

TEST_F(AutoscalerTest, FailedLaunchIsNotWaitedFor) {
  policy_.scale_up_command = "echo no quota >&2; exit 3";
  Autoscaler a(policy_, registry_, origin_);
  heartbeat("origin", "origin", 4);
  EXPECT_EQ(a.evaluate().action, ScaleAction::scale_up);
  const auto s = settled(a);
  EXPECT_EQ(s["commands"][0]["exit_code"], 3);
  EXPECT_EQ(s["commands"][0]["stderr"], "no quota\n");
  EXPECT_EQ(s["commands"][0]["outcome"], "exit status 3");
  EXPECT_EQ(a.evaluate().action, ScaleAction::scale_up);  // tried again, not "coming"
}

TEST_F(AutoscalerTest, DrainsThenRemovesOnceEmpty) {
  Autoscaler a(policy_, registry_, origin_);
  heartbeat("origin", "origin", 0);
  heartbeat("e1", "edge", 1);  // 1 of 8
  auto d = a.evaluate();
  ASSERT_EQ(d.action, ScaleAction::drain);
  EXPECT_TRUE(registry_.node("e1")->drained);
  EXPECT_EQ(a.evaluate().rule, "drain_in_progress");
  EXPECT_FALSE(fs::exists(dir_ / "down.env"));
  heartbeat("e1", "edge", 0);
  d = a.evaluate();
  EXPECT_EQ(d.action, ScaleAction::scale_down);
  const auto s = settled(a);
  const auto env = read("down.env");
  EXPECT_NE(env.find("RELAYCAST_NODE_ID=e1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RELAYCAST_SCALE_ACTION=down\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RELAYCAST_SCALE_RULE=drain_done\n"), std::string::npos) << env;
  EXPECT_TRUE(s["draining"].empty());
  std::vector<std::string> rules;
  for (const auto& j : s["decisions"]) rules.push_back(j["rule"]);
  EXPECT_EQ(rules, (std::vector<std::string>{"drain_done", "drain_in_progress", "below_scale_down"}));
}

TEST_F(AutoscalerTest, OperatorUndrainCancelsTheScaleDown) {
  policy_.scale_down_cooldown_s = 60;  // else the same edge is drained again at once
  Autoscaler a(policy_, registry_, origin_);
  heartbeat("origin", "origin", 0);
  heartbeat("e1", "edge", 1);
  ASSERT_EQ(a.evaluate().action, ScaleAction::drain);
  registry_.set_drained("e1", false);
  EXPECT_EQ(a.evaluate().rule, "cooldown_down");
  EXPECT_TRUE(a.status()["draining"].empty());
}

// Clouds reuse names: an edge launched under the id of one scaled down a minute ago
// must not inherit its drained mark from the registry (which keeps a down node for a
// while), or it never gets a viewer.
TEST_F(AutoscalerTest, AnEdgeRelaunchedUnderAScaledDownIdStartsUndrained) {
  EmbeddedRegistry registry{1000ms};
  policy_.scale_down_cooldown_s = 60;  // else the relaunched edge is drained again at once
  Autoscaler a(policy_, registry, origin_);
  auto beat = [&](const std::string& id, const std::string& role, uint64_t viewers) {
    NodeReport r{.id = id, .role = role, .viewers = viewers, .capacity = 4};
    registry.heartbeat(r);
  };
  beat("origin", "origin", 0);
  beat("e1", "edge", 0);
  ASSERT_EQ(a.evaluate().action, ScaleAction::drain);
  beat("origin", "origin", 0);
  beat("e1", "edge", 0);
  ASSERT_EQ(a.evaluate().action, ScaleAction::scale_down);
  settled(a);
  // Its last heartbeats: still drained, whatever the autoscaler thinks of it.
  beat("origin", "origin", 0);
  a.evaluate();
  EXPECT_TRUE(registry.node("e1")->drained);
  // The old machine is gone: e1 goes down.
  std::this_thread::sleep_for(1100ms);
  beat("origin", "origin", 0);
  a.evaluate();
  ASSERT_EQ(registry.node("e1")->state, NodeState::down);
  EXPECT_TRUE(registry.node("e1")->drained);
  // A new machine under the same name heartbeats: undrained.
  beat("e1", "edge", 0);
  a.evaluate();
  EXPECT_FALSE(registry.node("e1")->drained);
  // An operator's drain of it from then on is its own business.
  registry.set_drained("e1", true);
  beat("origin", "origin", 0);
  beat("e1", "edge", 0);
  a.evaluate();
  EXPECT_TRUE(registry.node("e1")->drained);
}

TEST_F(AutoscalerTest, RepeatedDecisionsAreMerged) {
  Autoscaler a(policy_, registry_, origin_);
  heartbeat("origin", "origin", 2);  // 50 %
  for (int i = 0; i < 3; ++i) a.evaluate();
  const auto s = a.status();
  ASSERT_EQ(s["decisions"].size(), 1u);
  EXPECT_EQ(s["decisions"][0]["times"], 3);
  EXPECT_EQ(s["plan"]["rule"], "within_band");
  EXPECT_TRUE(s["commands"].empty());
}

}  // namespace
}  // namespace relaycast::cluster
