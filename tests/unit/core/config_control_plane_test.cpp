// The [health], [api] and [metrics] sections and server.state_dir.
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

TEST(ConfigControlPlane, DefaultsAreSafe) {
  const Config c;
  EXPECT_TRUE(c.api.enabled);
  EXPECT_TRUE(c.api.token.empty()) << "no token: the API answers on loopback only";
  EXPECT_FALSE(c.metrics.auth);
  EXPECT_EQ(c.health.offline_after_ms, 5000u);
}

TEST(ConfigControlPlane, SectionsParse) {
  auto c = parse_config(R"(
[server]
state_dir = "/var/lib/relaycast"
[health]
measure_ms = 2000
min_fps_ratio = 0.5
min_bitrate_ratio = 0
max_keyframe_interval_ms = 3000
[api]
token = "abc"
keys_file = "/tmp/keys.json"
[metrics]
auth = true
)",
                        "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server.state_dir, "/var/lib/relaycast");
  EXPECT_EQ(c->health.measure_ms, 2000u);
  EXPECT_DOUBLE_EQ(c->health.min_fps_ratio, 0.5);
  EXPECT_DOUBLE_EQ(c->health.min_bitrate_ratio, 0.0);
  EXPECT_EQ(c->health.max_keyframe_interval_ms, 3000u);
  EXPECT_EQ(c->api.token, "abc");
  EXPECT_EQ(c->api.keys_file, "/tmp/keys.json");
  EXPECT_TRUE(c->metrics.auth);
}

TEST(ConfigControlPlane, RatiosOutOfRangeAreRefusedWithTheKey) {
  auto c = parse_config("[health]\nmin_fps_ratio = 1.5\n", "test.toml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("health.min_fps_ratio"), std::string::npos) << c.error().message();
  EXPECT_NE(c.error().message().find("from 0 to 1"), std::string::npos) << c.error().message();
  EXPECT_FALSE(parse_config("[health]\nmeasure_ms = 10\n", "test.toml"));
  EXPECT_FALSE(parse_config("[api]\ntoken = 5\n", "test.toml"));
}

}  // namespace
}  // namespace relaycast
