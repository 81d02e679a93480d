#include "media/timestamp_guard.hpp"

#include <gtest/gtest.h>

#include <string>

namespace relaycast {
namespace {

constexpr int64_t k2To32 = int64_t(1) << 32;

MediaPacket at(TrackKind kind, int64_t dts_ms, int64_t pts_ms) {
  return {.kind = kind, .codec = kind == TrackKind::audio ? Codec::aac : Codec::h264, .dts = ms_to_ticks(dts_ms),
          .pts = ms_to_ticks(pts_ms)};
}
MediaPacket at(TrackKind kind, int64_t ms) { return at(kind, ms, ms); }

// ---- unwrap_ms ------------------------------------------------------------------

TEST(TimestampGuard, UnwrapConvertsMillisecondsTo90kHz) {
  TimestampGuard g(1000);
  EXPECT_EQ(g.unwrap_ms(0), 0);
  EXPECT_EQ(g.unwrap_ms(40), 40 * 90);
  EXPECT_EQ(g.unwrap_ms(1000), 90000);
}

TEST(TimestampGuard, UnwrapCarriesOnAcrossThe32BitWrap) {
  TimestampGuard g(1000);
  EXPECT_EQ(g.unwrap_ms(0xFFFFFF00u), ms_to_ticks(0xFFFFFF00));
  EXPECT_EQ(g.unwrap_ms(0xFFFFFFFFu), ms_to_ticks(0xFFFFFFFF));
  EXPECT_EQ(g.unwrap_ms(0x00000010u), ms_to_ticks(k2To32 + 0x10)) << "49.7 days in: the clock goes on";
  EXPECT_EQ(g.unwrap_ms(0x00001000u), ms_to_ticks(k2To32 + 0x1000));
}

TEST(TimestampGuard, UnwrapHandlesALatePacketFromBeforeTheWrap) {
  // Audio and video interleave with jitter: one track has wrapped, the other not yet.
  TimestampGuard g(1000);
  g.unwrap_ms(0xFFFFFFF0u);
  EXPECT_EQ(g.unwrap_ms(0x00000010u), ms_to_ticks(k2To32 + 0x10));
  EXPECT_EQ(g.unwrap_ms(0xFFFFFFF8u), ms_to_ticks(0xFFFFFFF8)) << "still before the wrap, not 2^33 later";
  EXPECT_EQ(g.unwrap_ms(0x00000020u), ms_to_ticks(k2To32 + 0x20));
}

TEST(TimestampGuard, UnwrapSurvivesManyWraps) {
  TimestampGuard g(1000);
  int64_t previous = -1;
  // Steps of a quarter of the range: four per wrap, ten wraps.
  for (int64_t t = 0; t < 10 * k2To32; t += k2To32 / 4 - 12345) {
    const int64_t got = g.unwrap_ms(uint32_t(t));
    EXPECT_EQ(got, ms_to_ticks(t)) << "at " << t << " ms";
    EXPECT_GT(got, previous);
    previous = got;
  }
}

TEST(TimestampGuard, SmallStepBackIsNotAWrap) {
  TimestampGuard g(1000);
  g.unwrap_ms(5000);
  EXPECT_EQ(g.unwrap_ms(4990), ms_to_ticks(4990));
  EXPECT_EQ(g.unwrap_ms(5010), ms_to_ticks(5010));
}

TEST(TimestampGuard, StartingHighIsNotAWrap) {
  TimestampGuard g(1000);
  EXPECT_EQ(g.unwrap_ms(0xF0000000u), ms_to_ticks(0xF0000000));
  EXPECT_EQ(g.unwrap_ms(0x10u), ms_to_ticks(k2To32 + 0x10));
}

// ---- check ----------------------------------------------------------------------

TEST(TimestampGuard, IncreasingTimestampsPassUnchanged) {
  TimestampGuard g(1000);
  for (int64_t ms : {0, 40, 80, 80, 5000}) {
    auto p = at(TrackKind::video, ms, ms + 80);
    ASSERT_TRUE(g.check(p)) << ms;
    EXPECT_EQ(p.dts, ms_to_ticks(ms));
    EXPECT_EQ(p.pts, ms_to_ticks(ms + 80));
  }
}

TEST(TimestampGuard, SmallStepBackIsClampedAndPtsShiftedByTheSameAmount) {
  TimestampGuard g(1000);
  auto a = at(TrackKind::video, 1000, 1080);
  ASSERT_TRUE(g.check(a));
  auto b = at(TrackKind::video, 990, 1030);
  auto ok = g.check(b);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(b.dts, ms_to_ticks(1000)) << "dts never decreases";
  EXPECT_EQ(b.pts, ms_to_ticks(1040)) << "pts keeps its offset from dts";
  auto c = at(TrackKind::video, 1040, 1040);
  ASSERT_TRUE(g.check(c));
  EXPECT_EQ(c.dts, ms_to_ticks(1040)) << "back to normal";
}

TEST(TimestampGuard, StepBackOfExactlyTheLimitIsClamped) {
  TimestampGuard g(1000);
  auto a = at(TrackKind::audio, 5000);
  ASSERT_TRUE(g.check(a));
  auto b = at(TrackKind::audio, 4000);
  ASSERT_TRUE(g.check(b));
  EXPECT_EQ(b.dts, ms_to_ticks(5000));
  EXPECT_EQ(b.pts, ms_to_ticks(5000));
}

TEST(TimestampGuard, BigStepBackIsRefusedSayingWhatHappened) {
  TimestampGuard g(1000);
  auto a = at(TrackKind::video, 60000);
  ASSERT_TRUE(g.check(a));
  auto b = at(TrackKind::video, 58999);
  auto r = g.check(b);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::malformed)) << r.error().message();
  const auto& msg = r.error().message();
  EXPECT_NE(msg.find("video"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1001"), std::string::npos) << "how far: " << msg;
  EXPECT_NE(msg.find("60000"), std::string::npos) << "from: " << msg;
  EXPECT_NE(msg.find("58999"), std::string::npos) << "to: " << msg;
}

TEST(TimestampGuard, ARefusedPacketDoesNotMoveTheTrack) {
  TimestampGuard g(1000);
  auto a = at(TrackKind::video, 60000);
  ASSERT_TRUE(g.check(a));
  auto bad = at(TrackKind::video, 0);
  ASSERT_FALSE(g.check(bad));
  auto next = at(TrackKind::video, 59500);
  ASSERT_TRUE(g.check(next)) << "still compared with 60000, not with the refused 0";
  EXPECT_EQ(next.dts, ms_to_ticks(60000));
}

TEST(TimestampGuard, ZeroBackstepAllowsNoStepBackButEqualTimes) {
  TimestampGuard g(0);
  auto a = at(TrackKind::video, 100);
  ASSERT_TRUE(g.check(a));
  auto same = at(TrackKind::video, 100);
  EXPECT_TRUE(g.check(same));
  auto back = at(TrackKind::video, 99);
  EXPECT_FALSE(g.check(back));
}

TEST(TimestampGuard, TracksAreCheckedIndependently) {
  TimestampGuard g(1000);
  auto v = at(TrackKind::video, 10000);
  ASSERT_TRUE(g.check(v));
  // Audio far behind video is fine: only a track's own history counts.
  auto a1 = at(TrackKind::audio, 2000);
  ASSERT_TRUE(g.check(a1));
  EXPECT_EQ(a1.dts, ms_to_ticks(2000));
  auto a2 = at(TrackKind::audio, 1990);
  ASSERT_TRUE(g.check(a2));
  EXPECT_EQ(a2.dts, ms_to_ticks(2000)) << "clamped to audio's last, not video's";
  auto d = at(TrackKind::data, 0);
  EXPECT_TRUE(g.check(d)) << "data has its own history";

  // A broken audio timestamp does not touch video.
  auto a3 = at(TrackKind::audio, 0);
  EXPECT_FALSE(g.check(a3));
  auto v2 = at(TrackKind::video, 10040);
  ASSERT_TRUE(g.check(v2));
  EXPECT_EQ(v2.dts, ms_to_ticks(10040));
  auto v3 = at(TrackKind::video, 9500);
  ASSERT_TRUE(g.check(v3));
  EXPECT_EQ(v3.dts, ms_to_ticks(10040));
}

TEST(TimestampGuard, UnwrappedTimestampsPassTheCheckAcrossTheWrap) {
  // What an RTMP session does: unwrap the message timestamp, then check.
  TimestampGuard g(1000);
  for (uint32_t ms : {0xFFFFFF00u, 0xFFFFFF28u, 0xFFFFFF50u, 0xFFFFFFF0u, 0x18u, 0x40u}) {
    auto p = at(TrackKind::video, 0);
    p.dts = p.pts = g.unwrap_ms(ms);
    auto r = g.check(p);
    ASSERT_TRUE(r) << ms << ": " << r.error().message();
    EXPECT_EQ(p.dts, g.unwrap_ms(ms)) << "not clamped: time moved forward";
  }
}

}  // namespace
}  // namespace relaycast
