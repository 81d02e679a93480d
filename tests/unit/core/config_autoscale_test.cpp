// The [autoscale] section: off by default, every key parsed, thresholds that must be
// in order and edge bounds that must make sense refused with what is wrong.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include "config_error.hpp"

namespace relaycast {
namespace {

using test::error_of;

TEST(ConfigAutoscale, OffByDefault) {
  const Config c;
  EXPECT_FALSE(c.autoscale.enabled);
  EXPECT_EQ(c.autoscale.metric, "viewers");
  EXPECT_LT(c.autoscale.scale_down_at, c.autoscale.target_load);
  EXPECT_LT(c.autoscale.target_load, c.autoscale.scale_up_at);
}

TEST(ConfigAutoscale, SectionParses) {
  auto c = parse_config(R"(
[autoscale]
enabled = true
metric = "egress"
egress_capacity_bps = 500000000
target_load = 0.6
scale_up_at = 1
scale_down_at = 0.2
min_edges = 1
max_edges = 4
scale_up_cooldown_s = 30
scale_down_cooldown_s = 0
evaluate_ms = 250
launch_timeout_s = 90
drain_timeout_s = 0
command_timeout_s = 20
scale_up_command = "gcloud compute instances create ..."
scale_down_command = "gcloud compute instances delete $RELAYCAST_NODE_ID"
)", "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  const auto& a = c->autoscale;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.metric, "egress");
  EXPECT_EQ(a.egress_capacity_bps, 500000000u);
  EXPECT_DOUBLE_EQ(a.target_load, 0.6);
  EXPECT_DOUBLE_EQ(a.scale_up_at, 1.0);  // an integer is a number too
  EXPECT_EQ(a.min_edges, 1u);
  EXPECT_EQ(a.max_edges, 4u);
  EXPECT_EQ(a.scale_down_cooldown_s, 0u);
  EXPECT_EQ(a.evaluate_ms, 250u);
  EXPECT_EQ(a.drain_timeout_s, 0u);
  EXPECT_EQ(a.scale_down_command, "gcloud compute instances delete $RELAYCAST_NODE_ID");
}

TEST(ConfigAutoscale, BadValuesSayWhatIsAllowed) {
  EXPECT_NE(error_of("[autoscale]\nmetric = \"cpu\"\n").find("\"cpu\" is not one of viewers, egress"),
            std::string::npos);
  EXPECT_NE(error_of("[autoscale]\ntarget_load = -1\n").find("autoscale.target_load"), std::string::npos);
  EXPECT_NE(error_of("[autoscale]\nevaluate_ms = 10\n").find("from 100 to"), std::string::npos);
  EXPECT_NE(error_of("[autoscale]\nscale_up_command = 3\n").find("must be a string"), std::string::npos);
}

TEST(ConfigAutoscale, ThresholdsMustBeInOrderWhenEnabled) {
  const auto e = error_of("[autoscale]\nenabled = true\ntarget_load = 0.9\nscale_up_at = 0.8\n");
  EXPECT_NE(e.find("scale_down_at < target_load < scale_up_at"), std::string::npos) << e;
  EXPECT_NE(error_of("[autoscale]\nenabled = true\nmin_edges = 3\nmax_edges = 2\n").find("min_edges (3) is above max_edges (2)"),
            std::string::npos);
  // Off, the same values are only kept (plan shows them).
  EXPECT_TRUE(parse_config("[autoscale]\ntarget_load = 0.9\nscale_up_at = 0.8\n", "test.toml"));
}

}  // namespace
}  // namespace relaycast
