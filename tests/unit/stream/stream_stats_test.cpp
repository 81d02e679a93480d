#include "stream/stream_stats.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

MediaPacket frame(TrackKind kind, int64_t ms, bool keyframe = false) {
  MediaPacket p;
  p.kind = kind;
  p.codec = kind == TrackKind::video ? Codec::h264 : Codec::aac;
  p.dts = p.pts = ms_to_ticks(ms);
  p.keyframe = keyframe;
  return p;
}

TEST(StreamStats, CountsFramesKeyframesAndTheirInterval) {
  StreamStats stats;
  const auto t0 = Clock::now();
  for (int i = 0; i < 50; ++i) {
    stats.on_packet(frame(TrackKind::video, i * 40, i % 25 == 0), t0 + milliseconds(i * 40));
    stats.on_packet(frame(TrackKind::audio, i * 40 + 5), t0 + milliseconds(i * 40 + 5));
  }
  const auto s = stats.snapshot();
  EXPECT_EQ(s.video_frames, 50u);
  EXPECT_EQ(s.audio_frames, 50u);
  EXPECT_EQ(s.keyframes, 2u);
  EXPECT_EQ(s.keyframe_interval_ms, 1000);
  EXPECT_EQ(s.last_keyframe_dts_ms, 1000);
  EXPECT_EQ(s.video_dts_ms, 49 * 40);
  EXPECT_EQ(s.audio_dts_ms, 49 * 40 + 5);
}

TEST(StreamStats, WindowHoldsTheLongestGapAndJumpUntilTaken) {
  StreamStats stats;
  const auto t0 = Clock::now();
  stats.on_packet(frame(TrackKind::video, 0, true), t0);
  stats.on_packet(frame(TrackKind::video, 40), t0 + milliseconds(40));
  // 3 s of silence, then the stream goes on where it was (a network stall).
  stats.on_packet(frame(TrackKind::video, 80), t0 + milliseconds(3040));
  // Then the encoder's clock leaps 10 s ahead.
  stats.on_packet(frame(TrackKind::video, 10120), t0 + milliseconds(3080));
  auto s = stats.snapshot(/*take_window=*/true);
  EXPECT_EQ(s.max_arrival_gap_ms, 3000);
  EXPECT_NEAR(double(s.max_timestamp_jump_ms), 10000, 5) << "a stall is a gap, not a jump; the leap is";
  s = stats.snapshot(true);
  EXPECT_EQ(s.max_arrival_gap_ms, 0) << "taken: a new window";
  EXPECT_EQ(s.max_timestamp_jump_ms, 0);
}

TEST(StreamStats, BurstAfterAStallIsNoJump) {
  StreamStats stats;
  const auto t0 = Clock::now();
  stats.on_packet(frame(TrackKind::video, 0, true), t0);
  // 25 frames arrive at once after a second's delay.
  for (int i = 1; i <= 25; ++i) stats.on_packet(frame(TrackKind::video, i * 40), t0 + milliseconds(1000));
  EXPECT_LE(stats.snapshot(true).max_timestamp_jump_ms, 40);
}

}  // namespace
}  // namespace relaycast
