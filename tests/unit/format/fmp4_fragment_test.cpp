#include "format/fmp4_fragment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mp4_box_reader.hpp"

namespace relaycast {
namespace {

using test::Mp4Box;

// The fragment code reads only ids and timescales, so the configs can stay empty.
const fmp4::TrackInfo kTracks[] = {{1, TrackKind::video, Codec::h264, {}, 90000},
                                   {2, TrackKind::audio, Codec::aac, {}, 44100}};

Buffer payload(size_t size, uint8_t fill) { return Buffer::copy_of(std::vector<uint8_t>(size, fill)); }

struct TrunSample {
  uint32_t duration = 0, size = 0, flags = 0;
  int32_t composition_offset = 0;
};
struct Trun {
  uint8_t version = 0;
  uint32_t flags = 0;
  int32_t data_offset = 0;
  std::vector<TrunSample> samples;
};

// ISO 14496-12 8.8.8, for the flags the muxer writes.
Trun read_trun(const Mp4Box& box) {
  Trun t{.version = box.version(), .flags = box.flags()};
  auto r = box.full_body();
  const uint32_t count = r.u32be().value_or(0);
  if (t.flags & 0x1) t.data_offset = int32_t(r.u32be().value_or(0));
  for (uint32_t i = 0; i < count; ++i) {
    TrunSample s;
    if (t.flags & 0x100) s.duration = r.u32be().value_or(0);
    if (t.flags & 0x200) s.size = r.u32be().value_or(0);
    if (t.flags & 0x400) s.flags = r.u32be().value_or(0);
    if (t.flags & 0x800) s.composition_offset = int32_t(r.u32be().value_or(0));
    t.samples.push_back(s);
  }
  EXPECT_TRUE(r.empty()) << "trun has bytes after its samples";
  return t;
}

uint64_t read_tfdt(const Mp4Box& traf) {
  const Mp4Box* tfdt = traf.child("tfdt");
  EXPECT_TRUE(tfdt);
  if (!tfdt) return 0;
  EXPECT_EQ(tfdt->version(), 1);
  return tfdt->full_body().u64be().value_or(0);
}

uint32_t read_tfhd_track(const Mp4Box& traf) {
  const Mp4Box* tfhd = traf.child("tfhd");
  EXPECT_TRUE(tfhd);
  if (!tfhd) return 0;
  EXPECT_EQ(tfhd->flags(), 0x020000u);  // default-base-is-moof, nothing else
  return tfhd->full_body().u32be().value_or(0);
}

constexpr uint32_t kSync = 0x02000000;
constexpr uint32_t kNonSync = 0x01010000;

// Three video frames with B-frame reordering and four audio frames, interleaved as a
// stream delivers them.
std::vector<fmp4::Sample> mixed_samples() {
  return {
      {.track_id = 1, .dts = 90000, .pts = 96000, .duration = 6000, .keyframe = true, .data = payload(100, 0xa1)},
      {.track_id = 2, .dts = 90000, .pts = 90000, .duration = 2070, .keyframe = true, .data = payload(10, 0xb1)},
      {.track_id = 2, .dts = 92070, .pts = 92070, .duration = 2160, .keyframe = true, .data = payload(11, 0xb2)},
      {.track_id = 1, .dts = 96000, .pts = 108000, .duration = 6000, .keyframe = false, .data = payload(50, 0xa2)},
      {.track_id = 2, .dts = 94230, .pts = 94230, .duration = 2070, .keyframe = true, .data = payload(12, 0xb3)},
      {.track_id = 1, .dts = 102000, .pts = 102000, .duration = 6000, .keyframe = false, .data = payload(30, 0xa3)},
      {.track_id = 2, .dts = 96300, .pts = 96300, .duration = 2160, .keyframe = true, .data = payload(13, 0xb4)},
  };
}

class Fmp4Fragment : public ::testing::Test {
protected:
  void SetUp() override {
    samples_ = mixed_samples();
    auto fragment = fmp4::make_fragment(42, kTracks, samples_);
    ASSERT_TRUE(fragment) << fragment.error().message();
    bytes_ = std::move(*fragment);
    boxes_ = test::read_boxes(bytes_);
    ASSERT_EQ(test::types_of(boxes_), (std::vector<std::string>{"moof", "mdat"}));
    ASSERT_EQ(test::types_of(moof().children), (std::vector<std::string>{"mfhd", "traf", "traf"}));
  }
  const Mp4Box& moof() const { return boxes_[0]; }
  const Mp4Box& traf(size_t i) const { return *moof().all("traf").at(i); }

  std::vector<fmp4::Sample> samples_;
  std::vector<uint8_t> bytes_;
  std::vector<Mp4Box> boxes_;
};

TEST_F(Fmp4Fragment, MfhdCarriesTheSequenceNumber) {
  EXPECT_EQ(moof().child("mfhd")->full_body().u32be(), 42u);
}

TEST_F(Fmp4Fragment, TrafsFollowTheTrackOrderWithTfhdTfdtTrun) {
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(test::types_of(traf(i).children), (std::vector<std::string>{"tfhd", "tfdt", "trun"}));
    EXPECT_EQ(read_tfhd_track(traf(i)), i + 1);
  }
  EXPECT_EQ(read_tfdt(traf(0)), 90000u);
  EXPECT_EQ(read_tfdt(traf(1)), 44100u);  // 1 s in the audio timescale
}

TEST_F(Fmp4Fragment, VideoTrunHasSignedCompositionOffsets) {
  const Trun t = read_trun(*traf(0).child("trun"));
  EXPECT_EQ(t.version, 1);
  EXPECT_EQ(t.flags, 0x000f01u);
  ASSERT_EQ(t.samples.size(), 3u);
  const uint32_t sizes[] = {100, 50, 30}, flags[] = {kSync, kNonSync, kNonSync};
  const int32_t offsets[] = {6000, 12000, 0};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(t.samples[i].duration, 6000u);
    EXPECT_EQ(t.samples[i].size, sizes[i]);
    EXPECT_EQ(t.samples[i].flags, flags[i]);
    EXPECT_EQ(t.samples[i].composition_offset, offsets[i]);
  }
}

TEST_F(Fmp4Fragment, AudioTrunConvertsDurationsFromAbsoluteTimes) {
  const Trun t = read_trun(*traf(1).child("trun"));
  EXPECT_EQ(t.version, 0);
  EXPECT_EQ(t.flags, 0x000701u);  // no composition offsets: pts == dts throughout
  ASSERT_EQ(t.samples.size(), 4u);
  // 90 kHz -> 44.1 kHz, each end converted from absolute time: 44100, 45114, 46172,
  // 47187, 48245 (rounded down).
  const uint32_t durations[] = {1014, 1058, 1015, 1058};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(t.samples[i].duration, durations[i]) << i;
    EXPECT_EQ(t.samples[i].size, uint32_t(10 + i));
    EXPECT_EQ(t.samples[i].flags, kSync);
  }
}

TEST_F(Fmp4Fragment, DataOffsetsPointAtEachTracksFirstSampleInMdat) {
  const Mp4Box& mdat = boxes_[1];
  EXPECT_EQ(mdat.size, 8u + 100 + 50 + 30 + 10 + 11 + 12 + 13);
  EXPECT_EQ(mdat.offset, moof().size);  // default-base-is-moof: offsets count from 0

  const Trun video = read_trun(*traf(0).child("trun"));
  const Trun audio = read_trun(*traf(1).child("trun"));
  EXPECT_EQ(size_t(video.data_offset), mdat.offset + 8);
  EXPECT_EQ(size_t(audio.data_offset), mdat.offset + 8 + 180);

  // Walking each trun from its data_offset finds the samples' bytes in traf order.
  for (const auto* t : {&video, &audio}) {
    size_t pos = size_t(t->data_offset);
    for (const auto& s : t->samples) {
      ASSERT_LE(pos + s.size, bytes_.size());
      const uint8_t first = bytes_[pos];
      EXPECT_TRUE(std::all_of(bytes_.begin() + long(pos), bytes_.begin() + long(pos + s.size),
                              [&](uint8_t b) { return b == first; }));
      pos += s.size;
    }
  }
  EXPECT_EQ(bytes_[size_t(video.data_offset)], 0xa1);
  EXPECT_EQ(bytes_[size_t(video.data_offset) + 100], 0xa2);
  EXPECT_EQ(bytes_[size_t(audio.data_offset)], 0xb1);
  EXPECT_EQ(bytes_[size_t(audio.data_offset) + 10 + 11 + 12], 0xb4);
}

TEST_F(Fmp4Fragment, PartsShareThePayloadBuffersAndMatchTheWholeFragment) {
  auto parts = fmp4::make_fragment_parts(42, kTracks, samples_);
  ASSERT_TRUE(parts) << parts.error().message();
  EXPECT_EQ(parts->size(), bytes_.size());
  std::vector<uint8_t> joined = parts->head;
  for (const auto& p : parts->payloads) joined.insert(joined.end(), p.span().begin(), p.span().end());
  EXPECT_EQ(joined, bytes_);
  // mdat order is traf order: video 0, 3, 5 then audio 1, 2, 4, 6; no payload copied.
  const size_t order[] = {0, 3, 5, 1, 2, 4, 6};
  ASSERT_EQ(parts->payloads.size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(parts->payloads[i].data(), samples_[order[i]].data.data()) << i;
  EXPECT_EQ(parts->head.size(), moof().size + 8);
}

TEST(Fmp4FragmentTracks, OnlyTracksWithSamplesGetATraf) {
  const fmp4::Sample audio[] = {{.track_id = 2, .dts = 0, .pts = 0, .duration = 1920, .keyframe = true,
                                 .data = payload(5, 1)}};
  auto fragment = fmp4::make_fragment(1, kTracks, audio);
  ASSERT_TRUE(fragment) << fragment.error().message();
  auto boxes = test::read_boxes(*fragment);
  ASSERT_EQ(boxes.size(), 2u);
  auto trafs = boxes[0].all("traf");
  ASSERT_EQ(trafs.size(), 1u);
  EXPECT_EQ(read_tfhd_track(*trafs[0]), 2u);
  EXPECT_EQ(read_tfdt(*trafs[0]), 0u);
  EXPECT_EQ(read_trun(*trafs[0]->child("trun")).samples.at(0).duration, 940u);  // 1920 * 44100 / 90000
}

TEST(Fmp4FragmentTime, ConversionIsExactFloorOfAbsoluteTime) {
  EXPECT_EQ(fmp4::to_track_time(123456789, 90000), 123456789);
  EXPECT_EQ(fmp4::to_track_time(90000, 44100), 44100);
  EXPECT_EQ(fmp4::to_track_time(89999, 44100), 44099);
  EXPECT_EQ(fmp4::to_track_time(-1, 44100), -1);
  // 30 days of 90 kHz ticks would overflow a plain ticks * rate on the way.
  const int64_t month = int64_t(30) * 86400 * 90000 + 12345;
  EXPECT_EQ(fmp4::to_track_time(month, 48000), int64_t(30) * 86400 * 48000 + 12345 * 48000 / 90000);
  EXPECT_EQ(fmp4::to_track_time(INT64_MAX / 90000 * 90000, 90000), INT64_MAX / 90000 * 90000);
}

// An hour of AAC frames at 44.1 kHz with the millisecond timestamps RTMP gives them,
// cut into 1 s fragments: every fragment's tfdt equals the previous tfdt plus its
// durations, and the last one still equals the absolute time converted.
TEST(Fmp4FragmentTime, AudioTimelineDoesNotDrift) {
  const fmp4::TrackInfo audio[] = {kTracks[1]};
  constexpr int64_t kFrames = 3600 * 44100 / 1024;
  auto dts_of = [](int64_t frame) { return ms_to_ticks(frame * 1024 * 1000 / 44100); };
  std::vector<fmp4::Sample> all;
  for (int64_t i = 0; i < kFrames; ++i) {
    all.push_back({.track_id = 2, .dts = dts_of(i), .pts = dts_of(i), .duration = uint32_t(dts_of(i + 1) - dts_of(i)),
                   .keyframe = true, .data = payload(1, 0)});
  }
  uint64_t expected_tfdt = 0;
  uint32_t sequence = 1;
  for (size_t begin = 0; begin < all.size(); begin += 43) {
    const auto chunk = std::span(all).subspan(begin, std::min<size_t>(43, all.size() - begin));
    auto parts = fmp4::make_fragment_parts(sequence++, audio, chunk);
    ASSERT_TRUE(parts) << parts.error().message();
    // The head ends with the mdat header, whose body is not there: parse the moof.
    auto boxes = test::read_boxes(std::span(parts->head).first(parts->head.size() - 8));
    ASSERT_EQ(boxes.size(), 1u);
    const Mp4Box& traf = *boxes[0].child("traf");
    ASSERT_EQ(read_tfdt(traf), expected_tfdt) << "fragment at sample " << begin;
    EXPECT_EQ(int64_t(expected_tfdt), fmp4::to_track_time(chunk.front().dts, 44100));
    for (const auto& s : read_trun(*traf.child("trun")).samples) expected_tfdt += s.duration;
  }
  EXPECT_EQ(int64_t(expected_tfdt), fmp4::to_track_time(dts_of(kFrames), 44100));
}

TEST(Fmp4FragmentTime, LargeDecodeTimesUseTheFull64Bits) {
  const int64_t dts = int64_t(1) << 40;
  const fmp4::Sample video[] = {
      {.track_id = 1, .dts = dts, .pts = dts, .duration = 3000, .keyframe = true, .data = payload(4, 0)}};
  auto fragment = fmp4::make_fragment(1, kTracks, video);
  ASSERT_TRUE(fragment) << fragment.error().message();
  auto boxes = test::read_boxes(*fragment);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(read_tfdt(*boxes[0].child("traf")), uint64_t(dts));
}

void expect_failure(std::span<const fmp4::Sample> samples, Errc code, const std::string& message_part) {
  auto fragment = fmp4::make_fragment(7, kTracks, samples);
  ASSERT_FALSE(fragment);
  EXPECT_TRUE(fragment.error().is(code)) << fragment.error().message();
  EXPECT_NE(fragment.error().message().find("fmp4 fragment 7: "), std::string::npos) << fragment.error().message();
  EXPECT_NE(fragment.error().message().find(message_part), std::string::npos) << fragment.error().message();
}

TEST(Fmp4FragmentRejects, NoSamples) { expect_failure({}, Errc::malformed, "no samples"); }

TEST(Fmp4FragmentRejects, ASampleOfAnUnknownTrack) {
  const fmp4::Sample s[] = {{.track_id = 9, .duration = 1, .data = payload(1, 0)}};
  expect_failure(s, Errc::malformed, "track 9, which is not one of the tracks");
}

TEST(Fmp4FragmentRejects, SamplesOutOfDecodeOrder) {
  const fmp4::Sample s[] = {{.track_id = 1, .dts = 6000, .pts = 6000, .duration = 1, .data = payload(1, 0)},
                            {.track_id = 1, .dts = 3000, .pts = 3000, .duration = 1, .data = payload(1, 0)}};
  expect_failure(s, Errc::malformed, "track 1: samples out of decode order (dts 3000 after 6000)");
}

TEST(Fmp4FragmentRejects, NegativeDecodeTime) {
  const fmp4::Sample s[] = {{.track_id = 2, .dts = -3000, .pts = 0, .duration = 1, .data = payload(1, 0)}};
  expect_failure(s, Errc::malformed, "track 2: negative decode time -3000");
}

TEST(Fmp4FragmentRejects, CompositionOffsetOver32Bits) {
  const fmp4::Sample s[] = {
      {.track_id = 1, .dts = 0, .pts = int64_t(1) << 32, .duration = 1, .data = payload(1, 0)}};
  expect_failure(s, Errc::malformed, "composition offset");
}

TEST(Fmp4FragmentRejects, BrokenTrackLists) {
  const fmp4::Sample s[] = {{.track_id = 1, .duration = 1, .data = payload(1, 0)}};
  const fmp4::TrackInfo no_timescale[] = {{1, TrackKind::video, Codec::h264, {}, 0}};
  auto fragment = fmp4::make_fragment(3, no_timescale, s);
  ASSERT_FALSE(fragment);
  EXPECT_NE(fragment.error().message().find("timescale is 0"), std::string::npos);
}

}  // namespace
}  // namespace relaycast
