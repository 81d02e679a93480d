#include "stream/stream_health.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

constexpr int64_t kMs = 1'000'000;

// A publisher simulated one second at a time: `fps` frames and `kbps` of media per
// second, keyframes every `gop_ms`, audio alongside; the classifier is fed at each
// second as the monitor does.
class Publisher {
public:
  explicit Publisher(HealthConfig config = {}) : health(config) {}

  HealthChange second(double fps = 25, double kbps = 2000, int64_t gop_ms = 1000, bool audio = true,
                      int64_t jump_ms = 0, int64_t gap_ms = 0, bool ended = false) {
    now_ms += 1000;
    frames_ += uint64_t(fps);
    bytes_ += uint64_t(kbps * 1000 / 8);
    media_ms += 1000 + jump_ms;
    if (media_ms - keyframe_ms >= gop_ms) keyframe_ms = media_ms - (media_ms - keyframe_ms) % gop_ms;
    HealthSample s;
    s.now_ns = now_ms * kMs;
    s.bytes_in = bytes_;
    s.ended = ended;
    s.stats.video_frames = frames_;
    if (audio) audio_frames_ = frames_ * 2;
    s.stats.audio_frames = audio_frames_;
    s.stats.keyframes = 1;
    s.stats.last_arrival_ns = (now_ms - 10 - gap_ms) * kMs;
    s.stats.video_dts_ms = media_ms;
    if (audio) audio_ms = media_ms - 20;
    s.stats.audio_dts_ms = audio_ms;
    s.stats.last_keyframe_dts_ms = keyframe_ms;
    s.stats.max_arrival_gap_ms = 40 + gap_ms;
    s.stats.max_timestamp_jump_ms = jump_ms;
    return health.update(s);
  }
  void seconds(int n, double fps = 25, double kbps = 2000) {
    for (int i = 0; i < n; ++i) second(fps, kbps);
  }
  const HealthReport& report() const { return health.report(); }

  HealthClassifier health;
  int64_t now_ms = 0, media_ms = 0, keyframe_ms = 0, audio_ms = 0;

private:
  uint64_t frames_ = 0, bytes_ = 0, audio_frames_ = 0;
};

TEST(StreamHealth, ASteadyStreamIsHealthyWithItsFigures) {
  Publisher p;
  EXPECT_EQ(p.second(), HealthChange::none) << "healthy from the start: no change to report";
  p.seconds(40);
  EXPECT_EQ(p.report().state, HealthState::healthy) << p.report().reason;
  ASSERT_TRUE(p.report().fps && p.report().baseline_fps);
  EXPECT_NEAR(*p.report().fps, 25, 0.01);
  EXPECT_NEAR(*p.report().bitrate_bps, 2e6, 1);
  EXPECT_NEAR(*p.report().baseline_fps, 25, 0.01);
  EXPECT_EQ(p.report().av_drift_ms, 20);
}

TEST(StreamHealth, LowerFrameRateThanTheRecentAverageDegrades) {
  Publisher p;
  p.seconds(20);
  HealthChange change = HealthChange::none;
  for (int i = 0; i < 3 && change == HealthChange::none; ++i) change = p.second(5, 2000);
  EXPECT_EQ(change, HealthChange::state);
  EXPECT_EQ(p.report().state, HealthState::degraded);
  EXPECT_TRUE(p.report().problems & kLowFps);
  EXPECT_NE(p.report().reason.find("frame rate"), std::string::npos) << p.report().reason;
  EXPECT_NE(p.report().reason.find("recent average 25.0"), std::string::npos) << p.report().reason;
}

TEST(StreamHealth, NoBaselineNoFrameRateVerdict) {
  // The first seconds have nothing to compare with: a slow start is not a problem.
  Publisher p;
  p.second(25);
  p.second(5);
  p.second(5);
  EXPECT_EQ(p.report().state, HealthState::healthy) << p.report().reason;
}

TEST(StreamHealth, LowerBitrateDegrades) {
  Publisher p;
  p.seconds(20);
  for (int i = 0; i < 4; ++i) p.second(25, 500);
  EXPECT_EQ(p.report().state, HealthState::degraded);
  EXPECT_TRUE(p.report().problems & kLowBitrate) << p.report().reason;
}

TEST(StreamHealth, MissingKeyframesDegrade) {
  HealthConfig c;
  c.max_keyframe_interval_ms = 3000;
  Publisher p(c);
  p.seconds(5);
  for (int i = 0; i < 5; ++i) p.second(25, 2000, /*gop_ms=*/60000);
  EXPECT_EQ(p.report().state, HealthState::degraded);
  EXPECT_TRUE(p.report().problems & kKeyframeInterval);
  EXPECT_NE(p.report().reason.find("no keyframe for"), std::string::npos) << p.report().reason;
}

TEST(StreamHealth, TimestampJumpDegradesThenRecoversAfterRecoverMs) {
  HealthConfig c;
  c.recover_ms = 3000;
  Publisher p(c);
  p.seconds(10);
  EXPECT_EQ(p.second(25, 2000, 1000, true, /*jump_ms=*/5000), HealthChange::state);
  EXPECT_TRUE(p.report().problems & kTimestampJump) << p.report().reason;
  // The keyframe bookkeeping follows the jump; the next seconds are clean.
  p.keyframe_ms = p.media_ms;
  EXPECT_EQ(p.second(), HealthChange::none);
  EXPECT_EQ(p.report().state, HealthState::degraded) << "held for recover_ms, no flapping";
  EXPECT_EQ(p.second(), HealthChange::none);
  EXPECT_EQ(p.second(), HealthChange::state) << "3 s without a problem";
  EXPECT_EQ(p.report().state, HealthState::healthy);
  EXPECT_EQ(p.report().reason, "");
}

TEST(StreamHealth, AudioStoppingIsDrift) {
  Publisher p;
  p.seconds(5);
  for (int i = 0; i < 3; ++i) p.second(25, 2000, 1000, /*audio=*/false);
  EXPECT_EQ(p.report().state, HealthState::degraded);
  EXPECT_TRUE(p.report().problems & kAvDrift) << p.report().reason;
  EXPECT_NE(p.report().reason.find("audio is"), std::string::npos) << p.report().reason;
}

TEST(StreamHealth, ArrivalGapDegrades) {
  Publisher p;
  p.seconds(5);
  p.second(25, 2000, 1000, true, 0, /*gap_ms=*/2500);
  EXPECT_EQ(p.report().state, HealthState::degraded);
  EXPECT_TRUE(p.report().problems & kArrivalGap) << p.report().reason;
}

TEST(StreamHealth, SilenceIsOfflineAndThePublisherLeavingToo) {
  Publisher p;
  p.seconds(5);
  p.second(25, 2000, 1000, true, 0, /*gap_ms=*/6000);
  EXPECT_EQ(p.report().state, HealthState::offline);
  EXPECT_NE(p.report().reason.find("nothing arrived"), std::string::npos) << p.report().reason;

  Publisher q;
  q.seconds(5);
  EXPECT_EQ(q.second(25, 2000, 1000, true, 0, 0, /*ended=*/true), HealthChange::state);
  EXPECT_EQ(q.report().state, HealthState::offline);
  EXPECT_EQ(q.report().reason, "the publisher stopped");
}

TEST(StreamHealth, ANewKindOfProblemIsReportedOnceWhileDegraded) {
  HealthConfig c;
  c.max_keyframe_interval_ms = 3000;
  Publisher p(c);
  p.seconds(20);
  EXPECT_EQ(p.second(25, 2000, 1000, false), HealthChange::state) << "audio a second behind";
  ASSERT_EQ(p.report().state, HealthState::degraded);
  // The same problem again: nothing new to log.
  EXPECT_EQ(p.second(25, 2000, 1000, false), HealthChange::none);
  // Keyframes stop as well: one more line.
  HealthChange change = HealthChange::none;
  for (int i = 0; i < 5 && change == HealthChange::none; ++i) change = p.second(25, 2000, 60000, false);
  EXPECT_EQ(change, HealthChange::new_problem);
  EXPECT_EQ(p.second(25, 2000, 60000, false), HealthChange::none);
}

TEST(StreamHealth, ThresholdsChangeLive) {
  Publisher p;
  p.seconds(20);
  p.second(20);  // 80 % of the average: fine at the default 0.75
  p.second(20);
  p.second(20);
  EXPECT_EQ(p.report().state, HealthState::healthy) << p.report().reason;
  HealthConfig strict;
  strict.min_fps_ratio = 0.9;
  p.health.set_config(strict);
  p.second(20);
  EXPECT_EQ(p.report().state, HealthState::degraded);
}

}  // namespace
}  // namespace relaycast
