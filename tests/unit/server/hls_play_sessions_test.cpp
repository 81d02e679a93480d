// HLS viewing sessions as on_play and on_stop see them: one question per session, the
// verdict kept for its requests, the end found when the player stops fetching.
#include "server/hls_play_sessions.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

using namespace std::chrono_literals;
using Step = HlsPlaySessions::Step;

HookClient client(uint64_t id) { return {.client_id = id, .protocol = "hls", .app = "live", .name = "cam"}; }

TEST(HlsPlaySessions, AsksOncePerSession) {
  HlsPlaySessions sessions(6s);
  const auto t0 = HlsPlaySessions::Clock::time_point{} + 1h;
  EXPECT_EQ(sessions.request("live/cam", "1.2.3.4 ua", client(1), t0).step, Step::ask);
  EXPECT_EQ(sessions.request("live/cam", "1.2.3.4 ua", client(2), t0 + 10ms).step, Step::wait);
  sessions.decide("live/cam", "1.2.3.4 ua", {});
  for (int i = 1; i <= 10; ++i) {
    const auto lookup = sessions.request("live/cam", "1.2.3.4 ua", client(3), t0 + i * 2s);
    EXPECT_EQ(lookup.step, Step::decided);
    EXPECT_TRUE(lookup.verdict);
  }
  // Another viewer, and the same viewer on another stream, are other sessions.
  EXPECT_EQ(sessions.request("live/cam", "1.2.3.4 other", client(4), t0).step, Step::ask);
  EXPECT_EQ(sessions.request("live/cam2", "1.2.3.4 ua", client(5), t0).step, Step::ask);
}

TEST(HlsPlaySessions, KeepsADenial) {
  HlsPlaySessions sessions(6s);
  const auto t0 = HlsPlaySessions::Clock::time_point{} + 1h;
  sessions.request("live/cam", "v", client(1), t0);
  sessions.decide("live/cam", "v", std::unexpected(Denial{Refusal::webhook_denied, "no"}));
  const auto lookup = sessions.request("live/cam", "v", client(1), t0 + 1s);
  ASSERT_EQ(lookup.step, Step::decided);
  ASSERT_FALSE(lookup.verdict);
  EXPECT_EQ(lookup.verdict.error().message, "no");
  // A denied session never played: no on_stop when it ends.
  EXPECT_TRUE(sessions.expire(t0 + 1min).empty());
  EXPECT_EQ(sessions.size(), 0u);
}

TEST(HlsPlaySessions, EndsWhenThePlayerStopsFetching) {
  HlsPlaySessions sessions(6s);
  const auto t0 = HlsPlaySessions::Clock::time_point{} + 1h;
  sessions.request("live/cam", "v", client(7), t0);
  sessions.decide("live/cam", "v", {});
  sessions.request("live/cam", "v", client(8), t0 + 4s);
  EXPECT_TRUE(sessions.expire(t0 + 9s).empty()) << "5 s since the last request is within the window";
  const auto ended = sessions.expire(t0 + 11s);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].client.client_id, 7u) << "the session is described by its first request";
  EXPECT_DOUBLE_EQ(ended[0].duration_s, 4.0);
  EXPECT_TRUE(sessions.expire(t0 + 20s).empty());
}

TEST(HlsPlaySessions, AReturnAfterAPauseIsANewSession) {
  HlsPlaySessions sessions(6s);
  const auto t0 = HlsPlaySessions::Clock::time_point{} + 1h;
  sessions.request("live/cam", "v", client(1), t0);
  sessions.decide("live/cam", "v", {});
  // Back after 10 s, before any sweep: the old session ends, a new one asks again.
  EXPECT_EQ(sessions.request("live/cam", "v", client(2), t0 + 10s).step, Step::ask);
  const auto ended = sessions.expire(t0 + 10s);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].client.client_id, 1u);
}

}  // namespace
}  // namespace relaycast
