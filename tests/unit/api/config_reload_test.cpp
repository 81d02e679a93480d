#include "api/config_reload.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace relaycast::api {
namespace {

bool has(const std::vector<std::string>& list, std::string_view prefix) {
  return std::any_of(list.begin(), list.end(), [&](const auto& s) { return s.starts_with(prefix); });
}

TEST(ConfigReload, LiveSettingsAreAppliedAndTheRestNeedsARestart) {
  Config running;
  Config loaded;
  loaded.server.log_level = "debug";
  loaded.auth.publish_keys = {{"live/cam", "secret-key"}};
  loaded.health.max_keyframe_interval_ms = 3000;
  loaded.rtmp.port = 1936;
  loaded.hls.segment_ms = 4000;
  const auto plan = plan_reload(running, loaded);
  EXPECT_TRUE(has(plan.applied, "server.log_level: info -> debug"));
  EXPECT_TRUE(has(plan.applied, "auth.publish_keys: 0 -> 1"));
  EXPECT_TRUE(has(plan.applied, "[health]"));
  EXPECT_EQ(plan.needs_restart, (std::vector<std::string>{"[rtmp]", "[hls]"}));

  const Config after = apply_live_settings(running, loaded);
  EXPECT_EQ(after.server.log_level, "debug");
  EXPECT_EQ(after.rtmp.port, 1935) << "still running on the old port";
  // Reloading the same file again: the restart is still pending, nothing new applies.
  const auto again = plan_reload(after, loaded);
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.needs_restart, (std::vector<std::string>{"[rtmp]", "[hls]"}));
}

TEST(ConfigReload, WebhooksAndPlayTokensNeedARestart) {
  Config loaded;
  loaded.webhooks.on_play = "http://127.0.0.1:5000/play";
  loaded.play_tokens.secret = "s";
  const auto plan = plan_reload(Config{}, loaded);
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_EQ(plan.needs_restart, (std::vector<std::string>{"[webhooks]", "[play_tokens]"}));
}

TEST(ConfigReload, NothingChangedNothingToSay) {
  const auto plan = plan_reload(Config{}, Config{});
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.needs_restart.empty());
}

}  // namespace
}  // namespace relaycast::api
