#include "relay/timeline_splice.hpp"

#include <gtest/gtest.h>

#include "format/amf0.hpp"

namespace relaycast::relay {
namespace {

using Clock = TimelineSplice::Clock;
using std::chrono::milliseconds;

MediaPacket video(int64_t ms, bool key = false) {
  return {.kind = TrackKind::video, .codec = Codec::h264, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms),
          .keyframe = key, .payload = Buffer::copy_of(std::string_view("v"))};
}
MediaPacket audio(int64_t ms) {
  return {.kind = TrackKind::audio, .codec = Codec::aac, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms),
          .keyframe = true, .payload = Buffer::copy_of(std::string_view("a"))};
}
MediaPacket config(TrackKind kind, std::string_view bytes = "cfg") {
  return {.kind = kind, .codec = kind == TrackKind::video ? Codec::h264 : Codec::aac, .keyframe = true,
          .config = true, .payload = Buffer::copy_of(bytes)};
}

// A source that starts with its configuration, then frames every 40 ms (keyframe
// every `gop` frames) from `start_ms`, interleaved with audio.
struct Source {
  int64_t start_ms;
  int gop = 25;
};

struct Harness {
  TimelineSplice splice{milliseconds(2000)};
  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
  std::vector<MediaPacket> out;

  void push(MediaPacket p) { splice.push(std::move(p), now, out); }
  void play(const Source& s, int frames, int first_frame = 0) {
    for (int i = first_frame; i < first_frame + frames; ++i) {
      push(video(s.start_ms + i * 40, i % s.gop == 0));
      push(audio(s.start_ms + i * 40 + 5));
      now += milliseconds(40);
    }
  }
  void begin(const Source& s, bool with_config = true) {
    splice.new_source(now);
    if (with_config) {
      push({.kind = TrackKind::data, .codec = Codec::script, .payload = Buffer::copy_of(std::string_view("m"))});
      push(config(TrackKind::video));
      push(config(TrackKind::audio));
    }
    (void)s;
  }
  std::vector<int64_t> dts_ms(TrackKind kind) const {
    std::vector<int64_t> v;
    for (const auto& p : out)
      if (p.kind == kind && !p.config) v.push_back(ticks_to_ms(p.dts));
    return v;
  }
};

void expect_monotonic(const std::vector<int64_t>& v) {
  for (size_t i = 1; i < v.size(); ++i) ASSERT_GE(v[i], v[i - 1]) << "at " << i;
}

TEST(TimelineSplice, FirstSourceStartsAtAKeyframeWithItsConfigurationAndKeepsItsTimestamps) {
  Harness h;
  h.splice.new_source(h.now);
  h.push(audio(0));  // before any configuration or keyframe: dropped
  h.push(config(TrackKind::video));
  h.push(config(TrackKind::audio));
  h.push(video(0));  // not a keyframe
  h.push(video(40, true));
  h.push(audio(45));
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_TRUE(h.out[0].config && h.out[0].kind == TrackKind::video);
  EXPECT_TRUE(h.out[1].config && h.out[1].kind == TrackKind::audio);
  EXPECT_EQ(h.out[0].dts, ms_to_ticks(40)) << "configuration at the keyframe's time";
  EXPECT_TRUE(h.out[2].keyframe);
  EXPECT_EQ(h.out[2].dts, ms_to_ticks(40));
  EXPECT_EQ(h.out[3].dts, ms_to_ticks(45));
  for (const auto& p : h.out) EXPECT_FALSE(p.discontinuity);
  EXPECT_EQ(h.splice.rebases(), 0u);
}

TEST(TimelineSplice, AnotherTimelineIsRebasedAfterTheLastPacketAndMarked) {
  Harness h;
  h.begin({0});
  h.play({0}, 100);  // 0..3960 ms
  const int64_t last = h.dts_ms(TrackKind::audio).back();
  h.now += milliseconds(300);  // the failover took 300 ms
  h.begin({0});
  const size_t before = h.out.size();
  h.play({500000}, 50);  // an origin whose publisher started long ago
  ASSERT_GT(h.out.size(), before);
  EXPECT_EQ(h.out[before].kind, TrackKind::data) << "metadata first, as an origin sends it";
  const MediaPacket& first = h.out[before + 1];
  EXPECT_TRUE(first.config && first.kind == TrackKind::video);
  EXPECT_TRUE(first.discontinuity) << "the splice is marked once, on its first packet the segmenter reads";
  for (size_t i = before; i < h.out.size(); ++i) {
    if (i != before + 1) {
      EXPECT_FALSE(h.out[i].discontinuity) << i;
    }
  }
  const auto v = h.dts_ms(TrackKind::video);
  const auto a = h.dts_ms(TrackKind::audio);
  expect_monotonic(v);
  expect_monotonic(a);
  // The new keyframe follows the last packet by about the wall time that passed.
  const int64_t spliced_at = ticks_to_ms(h.out[before + 3].dts);
  EXPECT_GE(spliced_at, last + 300);
  EXPECT_LE(spliced_at, last + 400);
  EXPECT_EQ(h.splice.rebases(), 1u);
}

TEST(TimelineSplice, TimelineBehindByAnHourIsRebasedToo) {
  Harness h;
  h.begin({3600000});
  h.play({3600000}, 50);
  h.begin({0});
  h.play({0}, 50);
  expect_monotonic(h.dts_ms(TrackKind::video));
  expect_monotonic(h.dts_ms(TrackKind::audio));
  EXPECT_EQ(h.splice.rebases(), 1u);
}

// Both origins carry the same encode (ffmpeg tee): the new origin replays its GOP
// cache, which was sent already; the splice waits for the next keyframe past it and
// keeps the timestamps as they are, with no discontinuity.
TEST(TimelineSplice, SameTimelineSkipsWhatWasSentAndContinuesUnchanged) {
  Harness h;
  h.begin({0});
  h.play({0}, 60);  // frames 0..59: keyframes at 0, 25, 50; last video at 2360 ms
  h.now += milliseconds(100);
  h.begin({0});
  const size_t before = h.out.size();
  h.play({0}, 40, 50);  // the new origin starts with its GOP cache: frame 50 on
  const auto v = h.dts_ms(TrackKind::video);
  expect_monotonic(v);
  ASSERT_GT(h.out.size(), before);
  // The first frame after the switch is the keyframe at frame 75 (3000 ms).
  size_t i = before;
  while (h.out[i].config || h.out[i].kind == TrackKind::data) ++i;
  EXPECT_EQ(ticks_to_ms(h.out[i].dts), 3000);
  EXPECT_TRUE(h.out[i].keyframe);
  for (size_t j = before; j < h.out.size(); ++j) EXPECT_FALSE(h.out[j].discontinuity);
  EXPECT_EQ(h.splice.rebases(), 0u);
}

TEST(TimelineSplice, SameTimelineThatNeverCatchesUpIsRebasedAfterTheLimit) {
  Harness h;
  h.begin({0});
  h.play({0}, 100);  // up to 3960 ms
  h.begin({0});
  // An origin 3.5 s behind (its publisher started later), within the replay window:
  // after 2 s of waiting for a keyframe past 3960 ms, the splice re-bases.
  h.play({-3500}, 100);
  const auto v = h.dts_ms(TrackKind::video);
  expect_monotonic(v);
  EXPECT_EQ(h.splice.rebases(), 1u);
  EXPECT_GE(v.size(), 150u) << "the new source must get in by its keyframe after the limit";
}

TEST(TimelineSplice, SourceThatNeverSendsAKeyframeNeverGetsIn) {
  Harness h;
  h.begin({0});
  h.play({0}, 30);
  const size_t before = h.out.size();
  h.begin({0});
  for (int i = 0; i < 100; ++i) h.push(video(10000 + i * 40));
  EXPECT_EQ(h.out.size(), before);
  EXPECT_FALSE(h.splice.spliced());
}

TEST(TimelineSplice, AudioOnlyStreamsSpliceAtTheFirstAudioFrame) {
  Harness h;
  h.splice.new_source(h.now);
  h.push(config(TrackKind::audio));
  h.push(audio(100));
  h.push(audio(123));
  ASSERT_EQ(h.out.size(), 3u);
  h.splice.new_source(h.now);
  h.push(config(TrackKind::audio));
  h.push(audio(999999));
  ASSERT_EQ(h.out.size(), 5u);
  EXPECT_TRUE(h.out[3].discontinuity);
  EXPECT_GT(h.out[4].dts, h.out[2].dts);
}

// nginx-rtmp sends a new player its metadata and audio at once, the AVC header only
// with the next keyframe: a stream whose metadata announces video waits for it.
TEST(TimelineSplice, MetadataThatAnnouncesVideoMakesAudioWaitForTheKeyframe) {
  Harness h;
  h.splice.new_source(h.now);
  std::vector<uint8_t> meta;
  const amf0::Value values[] = {amf0::Value("onMetaData"), amf0::Value::ecma_array({{"width", 640.0}})};
  amf0::encode_all(values, meta);
  h.push({.kind = TrackKind::data, .codec = Codec::script, .payload = Buffer::copy_of(meta)});
  h.push(config(TrackKind::audio));
  h.push(audio(0));
  h.push(audio(23));
  EXPECT_TRUE(h.out.empty()) << "audio must not start a stream that announced video";
  h.push(config(TrackKind::video));
  h.push(video(40, true));
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_EQ(h.out[0].kind, TrackKind::data);
  EXPECT_TRUE(h.out[3].keyframe);
}

TEST(TimelineSplice, VideoThatComesAfterAnAudioStartJoinsAtAKeyframe) {
  Harness h;
  h.splice.new_source(h.now);
  h.push(config(TrackKind::audio));
  h.push(audio(0));  // no video announced: an audio start
  h.push(config(TrackKind::video));
  h.push(video(40));  // not a keyframe: dropped
  h.push(video(80, true));
  h.push(video(120));
  ASSERT_EQ(h.out.size(), 5u);
  EXPECT_EQ(ticks_to_ms(h.out[3].dts), 80);
  EXPECT_TRUE(h.out[3].keyframe);
}

TEST(TimelineSplice, SmallBackstepsAreClampedBigOnesDropped) {
  Harness h;
  h.begin({0});
  h.play({0}, 30);
  const size_t before = h.out.size();
  h.push(audio(1000));     // 200 ms back on the audio track: clamped
  h.push(audio(-100000));  // far back: dropped
  ASSERT_EQ(h.out.size(), before + 1);
  expect_monotonic(h.dts_ms(TrackKind::audio));
}

}  // namespace
}  // namespace relaycast::relay
