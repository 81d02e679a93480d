#include "api/recent_log.hpp"

#include <gtest/gtest.h>

#include <spdlog/logger.h>

namespace relaycast::api {
namespace {

TEST(RecentLog, KeepsRefusalsHealthChangesKicksAndWarnings) {
  EXPECT_EQ(classify_log_line("rtmp #3 127.0.0.1:5000: refused publish of live/cam: wrong stream key", true), "refusal");
  EXPECT_EQ(classify_log_line("http #4 127.0.0.1:5001: refused play of live/x: not being published", false), "refusal");
  EXPECT_EQ(classify_log_line("live/cam: health: degraded: frame rate 5.0 fps", true), "health");
  EXPECT_EQ(classify_log_line("API: kicking the publisher of live/cam (client 3, 127.0.0.1)", false), "kick");
  EXPECT_EQ(classify_log_line("something odd", true), "warning");
  EXPECT_EQ(classify_log_line("rtmp #3: publishing live/cam", false), "") << "ordinary info lines are not kept";
}

TEST(RecentLog, IsABoundedRingReadAfterASequenceNumber) {
  auto sink = std::make_shared<RecentLog>(3);
  spdlog::logger logger("test", sink);
  for (int i = 0; i < 5; ++i) logger.warn("refused publish of live/{}: busy", i);
  logger.info("publishing live/x");
  auto all = sink->entries(0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.front().message, "refused publish of live/2: busy");
  EXPECT_EQ(all.back().seq, 5u);
  EXPECT_EQ(all.back().kind, "refusal");
  EXPECT_EQ(all.back().level, "warning");
  EXPECT_EQ(all.back().time.size(), std::string("2026-11-26T06:40:01.123Z").size()) << all.back().time;
  EXPECT_EQ(sink->entries(4, 100).size(), 1u);
  EXPECT_EQ(sink->entries(0, 1).back().seq, 5u) << "a limit keeps the newest";
}

}  // namespace
}  // namespace relaycast::api
