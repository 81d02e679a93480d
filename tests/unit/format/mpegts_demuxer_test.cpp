#include "format/mpegts_demuxer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "format/mpegts_muxer.hpp"
#include "format/mpegts_pid_writer.hpp"
#include "media/aac.hpp"
#include "media/h264.hpp"
#include "recorded_rtmp.hpp"

namespace relaycast {
namespace {

using mpegts::kPacketSize;
using mpegts::TsDemuxer;

// ffmpeg output (tests/fixtures/mpegts/make_fixtures.sh): 2 s of 128x72 H.264 at 25 fps
// with B-frames and a keyframe every second, AAC LC 48 kHz mono.
constexpr size_t kVideoFrames = 50;
constexpr size_t kMinAudioFrames = 90;

struct Demuxed {
  std::vector<MediaPacket> packets;
  mpegts::TsDemuxerStats stats;
  std::vector<Error> problems;

  std::vector<const MediaPacket*> frames(TrackKind kind) const {
    std::vector<const MediaPacket*> out;
    for (const auto& p : packets)
      if (p.kind == kind && !p.config) out.push_back(&p);
    return out;
  }
  std::vector<const MediaPacket*> configs(TrackKind kind) const {
    std::vector<const MediaPacket*> out;
    for (const auto& p : packets)
      if (p.kind == kind && p.config) out.push_back(&p);
    return out;
  }
};

// Feeds `ts` in slices whose sizes come from `seed` (0: all at once).
Demuxed demux(std::span<const uint8_t> ts, unsigned seed = 0) {
  TsDemuxer demuxer;
  Demuxed d;
  std::mt19937 rng(seed);
  size_t pos = 0;
  while (pos < ts.size()) {
    const size_t n = seed == 0 ? ts.size() : std::min(ts.size() - pos, size_t(rng() % 700 + 1));
    demuxer.feed(ts.subspan(pos, n), d.packets);
    pos += n;
  }
  demuxer.finish(d.packets);
  d.stats = demuxer.stats();
  d.problems = demuxer.take_problems();
  return d;
}

std::vector<uint8_t> ts_fixture(const char* name) {
  auto bytes = test::read_fixture(std::string("mpegts/") + name);
  EXPECT_FALSE(bytes.empty()) << name;
  return bytes;
}

bool same_payload(const MediaPacket& a, const MediaPacket& b) {
  return std::ranges::equal(a.payload.span(), b.payload.span());
}

std::string problems_of(const Demuxed& d) {
  std::string s;
  for (const auto& e : d.problems) s += e.message() + "\n";
  return s;
}

TEST(TsDemuxer, ReadsFfmpegH264AndAac) {
  const auto ts = ts_fixture("h264_aac.ts");
  const auto d = demux(ts);
  EXPECT_TRUE(d.problems.empty()) << problems_of(d);
  EXPECT_EQ(d.stats.continuity_errors, 0u);
  EXPECT_EQ(d.stats.pes_dropped, 0u);
  EXPECT_EQ(d.stats.packets, ts.size() / kPacketSize);

  // Configs first: a player needs them before the first frame.
  ASSERT_FALSE(d.packets.empty());
  const auto video_configs = d.configs(TrackKind::video);
  const auto audio_configs = d.configs(TrackKind::audio);
  ASSERT_EQ(video_configs.size(), 1u);
  ASSERT_EQ(audio_configs.size(), 1u);
  auto avcc = h264::parse_avc_decoder_config(video_configs[0]->payload.span());
  ASSERT_TRUE(avcc) << avcc.error().message();
  ASSERT_EQ(avcc->sps.size(), 1u);
  auto sps = h264::parse_sps(avcc->sps[0]);
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->width, 128u);
  EXPECT_EQ(sps->height, 72u);
  auto asc = aac::parse_audio_specific_config(audio_configs[0]->payload.span());
  ASSERT_TRUE(asc) << asc.error().message();
  EXPECT_EQ(asc->object_type, aac::kAacLc);
  EXPECT_EQ(asc->sample_rate, 48000u);
  EXPECT_EQ(asc->channels, 1);

  const auto video = d.frames(TrackKind::video);
  const auto audio = d.frames(TrackKind::audio);
  EXPECT_EQ(video.size(), kVideoFrames);
  EXPECT_GE(audio.size(), kMinAudioFrames);
  ASSERT_FALSE(video.empty());
  EXPECT_TRUE(video[0]->keyframe);
  EXPECT_EQ(std::ranges::count_if(video, [](auto* p) { return p->keyframe; }), 2);  // -g 25 over 2 s
  bool reordered = false;
  for (size_t i = 0; i < video.size(); ++i) {
    // Every frame is well-formed AVCC without parameter sets or delimiters.
    EXPECT_TRUE(h264::for_each_nal(video[i]->payload.span(), 4, [](std::span<const uint8_t> nal) {
                  const auto type = h264::nal_type(nal[0]);
                  EXPECT_TRUE(type != 7 && type != 8 && type != 9) << int(type);
                }).has_value());
    EXPECT_GE(video[i]->pts, video[i]->dts);
    reordered |= video[i]->pts != video[i]->dts;
    if (i > 0) {
      EXPECT_EQ(video[i]->dts - video[i - 1]->dts, 3600) << i;  // 25 fps
    }
  }
  EXPECT_TRUE(reordered) << "the fixture has B-frames";
  for (size_t i = 1; i < audio.size(); ++i) {
    EXPECT_EQ(audio[i]->dts - audio[i - 1]->dts, 1920) << i;  // 1024 samples at 48 kHz
    EXPECT_TRUE(audio[i]->keyframe);
  }
}

TEST(TsDemuxer, SlicesMakeNoDifference) {
  const auto ts = ts_fixture("h264_aac.ts");
  const auto whole = demux(ts);
  for (unsigned seed : {1u, 2u, 3u}) {
    const auto sliced = demux(ts, seed);
    ASSERT_EQ(sliced.packets.size(), whole.packets.size()) << seed;
    for (size_t i = 0; i < whole.packets.size(); ++i) {
      EXPECT_EQ(sliced.packets[i].dts, whole.packets[i].dts);
      EXPECT_TRUE(same_payload(sliced.packets[i], whole.packets[i]));
    }
  }
}

// What the demuxer makes of ffmpeg's TS, our muxer writes back, and the demuxer reads
// the same again: the SRT play path is this round trip.
TEST(TsDemuxer, RoundTripsThroughTheMuxer) {
  const auto first = demux(ts_fixture("h264_aac.ts"));
  mpegts::TsMuxer muxer({});
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  for (const auto& p : first.packets) ASSERT_TRUE(muxer.write_packet(p, ts)) << to_string(p.kind) << " " << p.dts;
  const auto second = demux(ts);
  EXPECT_TRUE(second.problems.empty()) << problems_of(second);
  for (auto kind : {TrackKind::video, TrackKind::audio}) {
    const auto a = first.frames(kind), b = second.frames(kind);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i]->dts, b[i]->dts);
      EXPECT_EQ(a[i]->pts, b[i]->pts);
      EXPECT_EQ(a[i]->keyframe, b[i]->keyframe);
      EXPECT_TRUE(same_payload(*a[i], *b[i])) << to_string(kind) << " frame " << i;
    }
  }
}

// Every frame a lossy input gives is one of the clean input's frames, intact: a gap
// drops what it cuts and never glues two halves together. With `cut_at_end` the input
// stops early, and its last video PES (no length: it ends only where the input does)
// may be a beginning of its frame.
void expect_subset_of_clean(const Demuxed& lossy, const Demuxed& clean, bool cut_at_end = false) {
  const MediaPacket* last_video = nullptr;
  for (const auto& p : lossy.packets)
    if (p.kind == TrackKind::video && !p.config) last_video = &p;
  for (const auto& p : lossy.packets) {
    if (p.config) continue;
    if (cut_at_end && &p == last_video) {
      auto match = std::ranges::find_if(clean.packets, [&](const MediaPacket& c) {
        return !c.config && c.kind == p.kind && c.pts == p.pts;
      });
      ASSERT_NE(match, clean.packets.end());
      EXPECT_LE(p.payload.size(), match->payload.size());
      continue;
    }
    auto match = std::ranges::find_if(clean.packets, [&](const MediaPacket& c) {
      return !c.config && c.kind == p.kind && c.pts == p.pts;
    });
    ASSERT_NE(match, clean.packets.end()) << to_string(p.kind) << " pts " << p.pts;
    EXPECT_TRUE(same_payload(p, *match)) << to_string(p.kind) << " pts " << p.pts;
  }
}

TEST(TsDemuxer, RandomLossDropsOnlyWhatItCuts) {
  const auto ts = ts_fixture("h264_aac.ts");
  const auto clean = demux(ts);
  std::mt19937 rng(7);
  std::vector<uint8_t> lossy;
  size_t lost = 0;
  for (size_t i = 0; i + kPacketSize <= ts.size(); i += kPacketSize) {
    if (rng() % 100 < 5 && i > 0) {
      ++lost;
      continue;
    }
    lossy.insert(lossy.end(), ts.begin() + ptrdiff_t(i), ts.begin() + ptrdiff_t(i + kPacketSize));
  }
  ASSERT_GT(lost, 5u);
  const auto d = demux(lossy, 4);
  EXPECT_GT(d.stats.continuity_errors, 0u);
  EXPECT_LE(d.stats.continuity_errors, lost);
  EXPECT_GT(d.stats.pes_dropped, 0u);
  EXPECT_FALSE(d.problems.empty());
  EXPECT_GT(d.frames(TrackKind::video).size(), 0u);
  EXPECT_LT(d.frames(TrackKind::video).size(), kVideoFrames);
  EXPECT_GT(d.frames(TrackKind::audio).size(), kMinAudioFrames / 2);
  expect_subset_of_clean(d, clean);
}

uint16_t pid_of(const uint8_t* packet) { return load_u16be(packet + 1) & 0x1fff; }

TEST(TsDemuxer, ReorderedContinuityCountersDropTheUnitNotTheStream) {
  auto ts = ts_fixture("h264_aac.ts");
  const auto clean = demux(ts);
  // Swap two consecutive packets of the same video PES, in the middle of the file.
  size_t swapped = 0;
  for (size_t i = ts.size() / 2 / kPacketSize * kPacketSize; i + 2 * kPacketSize <= ts.size(); i += kPacketSize) {
    uint8_t* a = &ts[i];
    uint8_t* b = a + kPacketSize;
    if (pid_of(a) == 0x100 && pid_of(b) == 0x100 && !(a[1] & 0x40) && !(b[1] & 0x40)) {
      std::swap_ranges(a, b, b);
      swapped = i;
      break;
    }
  }
  ASSERT_NE(swapped, 0u);
  const auto d = demux(ts);
  EXPECT_GE(d.stats.continuity_errors, 1u);
  EXPECT_EQ(d.stats.pes_dropped, 1u);
  EXPECT_EQ(d.frames(TrackKind::video).size(), kVideoFrames - 1);
  EXPECT_EQ(d.frames(TrackKind::audio).size(), clean.frames(TrackKind::audio).size());
  expect_subset_of_clean(d, clean);
}

TEST(TsDemuxer, RepeatedPacketIsDroppedWithoutALoss) {
  const auto ts = ts_fixture("h264_aac.ts");
  std::vector<uint8_t> doubled;
  for (size_t i = 0; i + kPacketSize <= ts.size(); i += kPacketSize) {
    doubled.insert(doubled.end(), ts.begin() + ptrdiff_t(i), ts.begin() + ptrdiff_t(i + kPacketSize));
    if (i == 40 * kPacketSize)  // 2.4.3.3 allows one repeat of a packet
      doubled.insert(doubled.end(), ts.begin() + ptrdiff_t(i), ts.begin() + ptrdiff_t(i + kPacketSize));
  }
  const auto d = demux(doubled);
  EXPECT_EQ(d.stats.continuity_errors, 0u);
  EXPECT_EQ(d.frames(TrackKind::video).size(), kVideoFrames);
}

TEST(TsDemuxer, TimestampsGoOnAcrossThe33BitWrap) {
  const auto clean = demux(ts_fixture("h264_aac.ts"));
  const auto wrapped = demux(ts_fixture("h264_aac_wrap.ts"));
  EXPECT_TRUE(wrapped.problems.empty()) << problems_of(wrapped);
  for (auto kind : {TrackKind::video, TrackKind::audio}) {
    const auto a = clean.frames(kind), b = wrapped.frames(kind);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(b.empty());
    EXPECT_LT(b.front()->dts, mpegts::TsTimeline::kWrap);
    EXPECT_GT(b.back()->dts, mpegts::TsTimeline::kWrap) << "the fixture crosses the wrap";
    for (size_t i = 1; i < b.size(); ++i) {
      EXPECT_EQ(b[i]->dts - b[i - 1]->dts, a[i]->dts - a[i - 1]->dts) << to_string(kind) << " " << i;
      EXPECT_EQ(b[i]->pts - b[i]->dts, a[i]->pts - a[i]->dts);
    }
  }
}

TEST(TsTimeline, UnwrapsBothWaysAndStepsBackALittle) {
  mpegts::TsTimeline t;
  const int64_t wrap = mpegts::TsTimeline::kWrap;
  EXPECT_EQ(t.unwrap(uint64_t(wrap - 100)), wrap - 100);
  EXPECT_EQ(t.unwrap(50), wrap + 50);
  EXPECT_EQ(t.unwrap(uint64_t(wrap - 3000)), wrap - 3000);  // audio a little behind video
  EXPECT_EQ(t.unwrap(6000), wrap + 6000);
  EXPECT_EQ(t.unwrap(uint64_t(wrap / 2)), wrap + wrap / 2);  // 13 hours later, in steps
  EXPECT_EQ(t.unwrap(uint64_t(wrap - 1)), 2 * wrap - 1);
  EXPECT_EQ(t.unwrap(0), 2 * wrap);
}

TEST(TsTimeline, AClockThatStartsAgainGoesOnFromWhereItWas) {
  mpegts::TsTimeline t;
  const int64_t second = 90000, gap = mpegts::TsTimeline::kResetGap;
  EXPECT_EQ(t.unwrap(uint64_t(100 * second)), 100 * second);
  EXPECT_EQ(t.unwrap(uint64_t(101 * second)), 101 * second);
  EXPECT_EQ(t.unwrap(uint64_t(100 * second)), 100 * second) << "a step back within interleaving is kept";
  // 95 s back: the encoder started again. Then on, its clock plus the same offset.
  EXPECT_EQ(t.unwrap(uint64_t(5 * second)), 101 * second + gap);
  EXPECT_EQ(t.unwrap(uint64_t(6 * second)), 102 * second + gap);
  EXPECT_EQ(t.resets(), 1u);
  EXPECT_EQ(t.reset_from(), 100 * second);
  EXPECT_EQ(t.reset_to(), 5 * second);
  // A jump ahead is a gap in the media, unless the PCR PID announced a new clock.
  EXPECT_EQ(t.unwrap(uint64_t(60 * second)), 156 * second + gap);
  t.announce_discontinuity();
  EXPECT_EQ(t.unwrap(uint64_t(500 * second)), 156 * second + 2 * gap);
  EXPECT_EQ(t.resets(), 2u);
  // Announced, but the clock goes on as before: nothing changes, and the announcement
  // lapses once the clock has moved past it.
  t.announce_discontinuity();
  EXPECT_EQ(t.unwrap(uint64_t(501 * second)), 157 * second + 2 * gap);
  EXPECT_EQ(t.unwrap(uint64_t(503 * second)), 159 * second + 2 * gap);
  EXPECT_EQ(t.unwrap(uint64_t(506 * second)), 162 * second + 2 * gap);
  EXPECT_EQ(t.resets(), 2u);
}

// An encoder restarted behind a gateway that kept the link: one transport stream, then
// another whose clock starts elsewhere (4.5 s back). Before, the jump back ended the
// publish; now the timestamps go on, after a gap of about kResetGap.
TEST(TsDemuxer, AnEncoderRestartOnTheSameLinkContinuesTheTimeline) {
  auto ts = ts_fixture("h264_aac.ts");
  const auto second = ts_fixture("h264_aac_wrap.ts");
  const size_t first_size = ts.size();
  ts.insert(ts.end(), second.begin(), second.end());
  const auto d = demux(ts);
  EXPECT_EQ(d.stats.clock_resets, 1u) << problems_of(d);
  EXPECT_NE(problems_of(d).find("clock started again"), std::string::npos) << problems_of(d);
  const auto before = demux(std::span(ts).first(first_size));
  for (auto kind : {TrackKind::video, TrackKind::audio}) {
    const auto frames = d.frames(kind);
    ASSERT_GT(frames.size(), before.frames(kind).size() + 20) << to_string(kind) << ": the second part is missing";
    for (size_t i = 1; i < frames.size(); ++i)
      EXPECT_GE(frames[i]->dts, frames[i - 1]->dts) << to_string(kind) << " frame " << i << " goes back";
    // Where the second part starts: no more than a few frames after the first ended.
    const size_t n = before.frames(kind).size();
    const int64_t gap = frames[n]->dts - frames[n - 1]->dts;
    EXPECT_GT(gap, 0) << to_string(kind);
    EXPECT_LT(gap, mpegts::TsTimeline::kResetGap + ms_to_ticks(300)) << to_string(kind);
  }
}

// A big keyframe is one PES over hundreds of TS packets (no PES length for video).
TEST(TsDemuxer, ReassemblesAPesSplitOverManyPackets) {
  const auto clean = demux(ts_fixture("h264_aac.ts"));
  mpegts::TsMuxer muxer({});
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  ASSERT_TRUE(muxer.write_packet(*clean.configs(TrackKind::video)[0], ts));
  std::vector<uint8_t> avcc;
  std::vector<uint8_t> nal(150000);
  nal[0] = 0x65;  // IDR slice
  for (size_t i = 1; i < nal.size(); ++i) nal[i] = uint8_t(0x10 + i % 200);  // no start code inside
  ByteWriter(avcc).u32be(uint32_t(nal.size()));
  avcc.insert(avcc.end(), nal.begin(), nal.end());
  MediaPacket big{.kind = TrackKind::video, .codec = Codec::h264, .dts = 90000, .pts = 93600, .keyframe = true,
                  .payload = Buffer::copy_of(avcc)};
  ASSERT_TRUE(muxer.write_packet(big, ts));
  ASSERT_GT(ts.size() / kPacketSize, 800u);
  const auto d = demux(ts, 9);
  const auto video = d.frames(TrackKind::video);
  ASSERT_EQ(video.size(), 1u);
  EXPECT_TRUE(video[0]->keyframe);
  EXPECT_EQ(video[0]->dts, 90000);
  EXPECT_EQ(video[0]->pts, 93600);
  EXPECT_TRUE(same_payload(*video[0], big));
}

TEST(TsDemuxer, TruncatedInputGivesAPrefixOfTheFrames) {
  const auto ts = ts_fixture("h264_aac.ts");
  const auto clean = demux(ts);
  std::mt19937 rng(11);
  for (int i = 0; i < 20; ++i) {
    const size_t cut = rng() % ts.size();
    const auto d = demux(std::span(ts).first(cut), unsigned(i + 1));
    expect_subset_of_clean(d, clean, true);
    EXPECT_LE(d.frames(TrackKind::video).size(), kVideoFrames);
  }
}

TEST(TsDemuxer, GarbageGivesNothingAndDoesNotCrash) {
  std::mt19937 rng(3);
  std::vector<uint8_t> garbage(100000);
  for (auto& b : garbage) b = uint8_t(rng());
  // Sprinkle sync bytes 188 apart so the demuxer locks on and reads garbage packets.
  for (size_t i = 1000; i < 50000; i += kPacketSize) garbage[i] = 0x47;
  const auto d = demux(garbage, 5);
  EXPECT_TRUE(d.packets.empty());
  EXPECT_GT(d.stats.bytes_skipped, 0u);
}

TEST(TsDemuxer, FindsSyncAgainAfterGarbage) {
  const auto ts = ts_fixture("h264_aac.ts");
  const auto clean = demux(ts);
  std::vector<uint8_t> input(ts.begin(), ts.begin() + 100 * kPacketSize);
  const std::vector<uint8_t> junk = {0x47, 1, 2, 3, 0x47, 0x47, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  input.insert(input.end(), junk.begin(), junk.end());
  input.insert(input.end(), ts.begin() + 100 * kPacketSize, ts.end());
  const auto d = demux(input, 6);
  EXPECT_TRUE(d.problems.size() == 1) << problems_of(d);
  EXPECT_EQ(d.stats.sync_losses, 1u);
  EXPECT_EQ(d.stats.bytes_skipped, junk.size());
  // Nothing was lost, only inserted: every frame comes out.
  EXPECT_EQ(d.frames(TrackKind::video).size(), kVideoFrames);
  expect_subset_of_clean(d, clean);
}

TEST(TsDemuxer, FramesBeforeTheFirstParameterSetsAreDropped) {
  const auto ts = ts_fixture("h264_aac.ts");
  // Start at the second PES of the video PID: the receiver joined after the keyframe.
  std::vector<uint8_t> tables(ts.begin(), ts.begin() + 2 * kPacketSize);  // PAT, PMT
  size_t second_video = 0, seen = 0;
  for (size_t i = 0; i + kPacketSize <= ts.size(); i += kPacketSize)
    if (pid_of(&ts[i]) == 0x100 && (ts[i + 1] & 0x40) && ++seen == 2) {
      second_video = i;
      break;
    }
  ASSERT_NE(second_video, 0u);
  tables.insert(tables.end(), ts.begin() + ptrdiff_t(second_video), ts.end());
  const auto d = demux(tables);
  const auto video = d.frames(TrackKind::video);
  ASSERT_FALSE(video.empty());
  EXPECT_TRUE(video[0]->keyframe) << "the first frame out is the next keyframe, with its config before it";
  EXPECT_GT(d.stats.frames_dropped, 0u);
}

}  // namespace
}  // namespace relaycast
