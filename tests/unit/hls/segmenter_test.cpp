// hls::Segmenter: packets in, segments and LL-HLS parts out. Fed with the frames of a
// recorded ffmpeg publish as they came, and with streams built of its real frames and
// codec configuration on timestamps we choose (frame rate, keyframe interval, one
// track only, keyframes that stop), then checked segment by segment: cuts at
// keyframes near the target, parts within the part target and back to back, numbers
// without holes, the wall clock, the MPEG-TS and fMP4 bytes themselves.
#include "hls/segmenter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "../format/ts_reader.hpp"
#include "hls_test_support.hpp"

namespace relaycast {
namespace {

using test::options_ms;
using test::Synth;
using test::synth;

constexpr uint32_t kVideo = 1, kAudio = 2;  // the segmenter's track ids

// A Segmenter and the warnings it logged.
struct Packager {
  explicit Packager(hls::SegmenterOptions options)
      : seg(options, [this](const std::string& line) { warnings.push_back(line); }) {}

  // Every packet arrives at the wall clock its dts says (plus `jitter_ms`).
  void feed(const std::vector<MediaPacket>& packets, int64_t jitter_ms = 0) {
    for (const auto& p : packets) seg.push(p, test::arrival(p, jitter_ms));
  }

  std::vector<const hls::Segment*> complete() const {
    std::vector<const hls::Segment*> out;
    for (const auto& s : seg.segments())
      if (s.complete) out.push_back(&s);
    return out;
  }

  std::vector<std::string> warnings;
  hls::Segmenter seg;
};

std::string describe(const hls::Segmenter& seg) {
  std::string out;
  for (const auto& s : seg.segments()) {
    out += fmt::format("  msn {} start {:.3f} dur {:.3f}{}{} v{} parts:", s.msn, test::seconds(s.start),
                       test::seconds(s.duration), s.complete ? "" : " (open)", s.discontinuity ? " DISC" : "",
                       s.init_version);
    for (const auto& p : s.parts) out += fmt::format(" {:.3f}{}", test::seconds(p.duration), p.independent ? "I" : "");
    out += "\n";
  }
  return out;
}

// Whether segment i was closed by a stop (end_of_stream, or a codec change, which
// goes through it): followed by a discontinuity, or the newest of a stopped stream.
bool closed_by_a_stop(const hls::Segmenter& seg, size_t i) {
  const auto& segs = seg.segments();
  if (!segs[i].complete) return false;
  return i + 1 < segs.size() ? segs[i + 1].discontinuity : !seg.live();
}

// What holds for any stream: numbers without holes, segments and parts back to back,
// no part longer than the part target (or shorter than 85 % of it, but for a
// segment's last part and parts that start with a keyframe), fMP4 parts that are
// moof + mdat on a continuous timeline per track, MPEG-TS in whole packets.
// The last part of a segment closed by a stop, and the wall clock across it, are
// left to the tests of stops (EndOfStream*, CodecConfigChange*): what goes wrong
// there would fail every test that stops a stream.
void expect_invariants(const hls::Segmenter& seg, const std::string& context = "") {
  SCOPED_TRACE(context + "\n" + describe(seg));
  const auto& segs = seg.segments();
  const auto& o = seg.options();
  std::map<uint32_t, uint64_t> track_end;  // per track, where the previous run ended
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto& s = segs[i];
    SCOPED_TRACE(fmt::format("segment {}", s.msn));
    if (i > 0) {
      EXPECT_EQ(s.msn, segs[i - 1].msn + 1) << "media sequence numbers have a hole";
      EXPECT_TRUE(segs[i - 1].complete) << "an unfinished segment that is not the newest";
      if (!s.discontinuity) {
        EXPECT_EQ(s.start, segs[i - 1].start + segs[i - 1].duration) << "a gap or an overlap between segments";
        EXPECT_EQ(s.program_date_time - segs[i - 1].program_date_time,
                  std::chrono::duration_cast<test::SysClock::duration>(
                      std::chrono::microseconds(segs[i - 1].duration * 1000 / 90)))
            << "PROGRAM-DATE-TIME does not advance by the previous segment's duration";
      } else {
        EXPECT_GE(s.program_date_time, segs[i - 1].program_date_time)
            << "after a discontinuity the wall clock goes back";
      }
    }
    if (s.complete) {
      EXPECT_GT(s.duration, 0);
      EXPECT_FALSE(s.ts.empty()) << "a complete segment without MPEG-TS bytes";
      EXPECT_EQ(s.ts.size() % 188, 0u);
      if (!s.ts.empty()) {
        EXPECT_EQ(s.ts[0], 0x47);
      }
    }
    if (s.parts.empty()) {
      EXPECT_FALSE(s.complete) << "a complete segment without parts";
      continue;
    }
    EXPECT_EQ(s.parts.front().start, s.start) << "the first part does not start with its segment";
    int64_t sum = 0;
    for (size_t k = 0; k < s.parts.size(); ++k) {
      const auto& p = s.parts[k];
      SCOPED_TRACE(fmt::format("part {}", k));
      sum += p.duration;
      if (k > 0) {
        EXPECT_EQ(p.start, s.parts[k - 1].start + s.parts[k - 1].duration) << "parts not back to back";
      }
      EXPECT_GT(p.duration, 0);
      const bool last_of_segment = s.complete && k + 1 == s.parts.size();
      if (!(last_of_segment && closed_by_a_stop(seg, i))) {
        EXPECT_LE(p.duration, o.part_target) << "a part longer than the part target";
      }
      if (!last_of_segment && !p.independent) {
        EXPECT_GE(p.duration * 100, o.part_target * 85)
            << "RFC 8216bis 4.4.4.9: a part that is neither its segment's last nor INDEPENDENT lasts "
            << test::seconds(p.duration) << " s, under 85 % of the part target";
      }
      std::vector<std::string> errors;
      const auto runs = test::read_fragments(p.bytes.span(), errors);
      EXPECT_EQ(errors, std::vector<std::string>{});
      EXPECT_FALSE(runs.empty()) << "a part without samples";
      for (const auto& [track, list] : runs) {
        for (const auto& run : list) {
          if (track_end.contains(track) && !s.discontinuity) {
            EXPECT_EQ(run.decode_time, track_end[track]) << "track " << track << ": fMP4 timeline not continuous";
          }
          track_end[track] = run.decode_time + run.duration;
        }
      }
      if (runs.contains(kVideo) && p.independent) {
        EXPECT_TRUE(runs.at(kVideo).front().first_is_sync) << "INDEPENDENT=YES on a part that starts with a delta";
      }
      if (runs.contains(kVideo) && runs.at(kVideo).front().first_is_sync && !runs.contains(kAudio) && k > 0) {
        EXPECT_TRUE(p.independent) << "a part starting with a keyframe is not marked INDEPENDENT";
      }
    }
    if (s.complete) {
      EXPECT_EQ(sum, s.duration) << "the parts do not add up to the segment";
    }
    if (s.discontinuity) track_end.clear();
  }
}

std::vector<int64_t> keyframe_times(const std::vector<MediaPacket>& packets) {
  std::vector<int64_t> out;
  for (const auto& p : packets)
    if (p.kind == TrackKind::video && p.keyframe && !p.config) out.push_back(p.dts);
  return out;
}

// ---- A real publish ----------------------------------------------------------------

TEST(HlsSegmenter, RecordedPublishIsCutAtItsKeyframes) {
  const auto& rec = test::ffmpeg_publish();
  Packager run(options_ms(1000, 334));
  run.seg.push(*rec.video_config, test::wall_origin());
  run.seg.push(*rec.audio_config, test::wall_origin());
  run.feed(rec.frames);
  expect_invariants(run.seg, "live");
  run.seg.end_of_stream();
  expect_invariants(run.seg, "after end_of_stream");

  const auto keys = keyframe_times(rec.frames);
  ASSERT_GE(keys.size(), 3u) << "the recording has a keyframe a second over about 3 s";
  ASSERT_GE(run.seg.segments().size(), 2u) << describe(run.seg);
  for (const auto& s : run.seg.segments()) {
    EXPECT_TRUE(std::find(keys.begin(), keys.end(), s.start) != keys.end())
        << "segment " << s.msn << " starts at " << test::seconds(s.start) << " s, not at a keyframe";
    EXPECT_TRUE(s.complete);
    ASSERT_FALSE(s.parts.empty());
    EXPECT_TRUE(s.parts.front().independent) << "segment " << s.msn << ": first part not INDEPENDENT";
  }
  for (size_t i = 0; i + 1 < run.seg.segments().size(); ++i)
    EXPECT_GE(run.seg.segments()[i].duration, ms_to_ticks(1000)) << "cut before the target";
  EXPECT_EQ(run.seg.codecs().substr(0, 5), "avc1.") << run.seg.codecs();
  EXPECT_NE(run.seg.codecs().find("mp4a.40.2"), std::string::npos) << run.seg.codecs();
  EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
}

TEST(HlsSegmenter, TsSegmentsTogetherAreOneCleanTransportStream) {
  const auto& rec = test::ffmpeg_publish();
  Packager run(options_ms(1000, 334));
  run.seg.push(*rec.video_config, test::wall_origin());
  run.seg.push(*rec.audio_config, test::wall_origin());
  run.feed(rec.frames);
  run.seg.end_of_stream();

  std::vector<uint8_t> all;
  for (const auto& s : run.seg.segments()) {
    // Each segment on its own: tables first, so a player may start with any of them.
    const auto one = test::read_ts(s.ts.span());
    EXPECT_EQ(one.errors, std::vector<std::string>{}) << "segment " << s.msn;
    ASSERT_FALSE(one.sections.empty()) << "segment " << s.msn << " has no PAT/PMT";
    EXPECT_EQ(one.sections.front().pid, 0) << "segment " << s.msn << " does not start with the PAT";
    all.insert(all.end(), s.ts.data(), s.ts.data() + s.ts.size());
  }
  const auto ts = test::read_ts(all);
  EXPECT_EQ(ts.errors, std::vector<std::string>{});
  size_t video = 0, audio = 0;
  for (const auto& pes : ts.pes) (pes.pid == mpegts::kVideoPid ? video : audio) += 1;
  size_t rec_video = 0;
  for (const auto& f : rec.frames) rec_video += f.kind == TrackKind::video;
  // Every video frame from the first keyframe on; AAC may be packed several per PES.
  size_t from_first_key = 0;
  bool seen_key = false;
  for (const auto& f : rec.frames) {
    seen_key |= f.kind == TrackKind::video && f.keyframe;
    from_first_key += seen_key && f.kind == TrackKind::video;
  }
  EXPECT_EQ(video, from_first_key) << rec_video << " video frames in the recording";
  EXPECT_GT(audio, 0u);
}

// ---- Cuts --------------------------------------------------------------------------

struct CutCase {
  int fps, gop, segment_ms;
  int64_t expected_ms;  // every complete segment lasts this
};

void PrintTo(const CutCase& c, std::ostream* os) {
  *os << c.fps << "fps_gop" << c.gop << "_target" << c.segment_ms << "ms";
}

class HlsSegmenterCuts : public ::testing::TestWithParam<CutCase> {};

TEST_P(HlsSegmenterCuts, AtTheFirstKeyframeOnceTheTargetIsReached) {
  const auto c = GetParam();
  Packager run(options_ms(c.segment_ms, 334));
  const auto packets = synth({.fps = c.fps, .gop = c.gop, .duration_ms = 20000});
  run.feed(packets);
  expect_invariants(run.seg);
  const auto done = run.complete();
  ASSERT_GE(done.size(), 3u) << describe(run.seg);
  const auto keys = keyframe_times(packets);
  for (const auto* s : done) {
    EXPECT_TRUE(std::find(keys.begin(), keys.end(), s->start) != keys.end())
        << "segment " << s->msn << " does not start at a keyframe\n" << describe(run.seg);
    EXPECT_NEAR(double(s->duration), double(ms_to_ticks(c.expected_ms)), 90.0)
        << "segment " << s->msn << "\n" << describe(run.seg);
    EXPECT_TRUE(s->parts.front().independent);
  }
  EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
}

INSTANTIATE_TEST_SUITE_P(KeyframeIntervals, HlsSegmenterCuts,
                         ::testing::Values(CutCase{30, 30, 2000, 2000},   // a keyframe a second
                                           CutCase{30, 24, 2000, 2400},   // every 0.8 s: the third
                                           CutCase{25, 50, 2000, 2000},   // every 2 s
                                           CutCase{15, 45, 2000, 3000},   // every 3 s: longer than the target
                                           CutCase{30, 15, 1000, 1000},   // every 0.5 s, 1 s segments
                                           CutCase{60, 60, 4000, 4000}));

// ---- Parts -------------------------------------------------------------------------

struct PartCase {
  int fps, part_ms;
  bool audio;
};

void PrintTo(const PartCase& c, std::ostream* os) {
  *os << c.fps << "fps_part" << c.part_ms << "ms" << (c.audio ? "_av" : "_video");
}

class HlsSegmenterParts : public ::testing::TestWithParam<PartCase> {};

TEST_P(HlsSegmenterParts, NeverLongerThanThePartTarget) {
  const auto c = GetParam();
  Packager run(options_ms(2000, c.part_ms));
  run.feed(synth({.audio = c.audio, .fps = c.fps, .gop = c.fps, .duration_ms = 12000}));
  expect_invariants(run.seg, fmt::format("{} fps, part target {} ms", c.fps, c.part_ms));
  for (const auto& s : run.seg.segments()) {
    ASSERT_FALSE(s.parts.empty());
    // As many parts as fit: none cut needlessly short.
    const int64_t fit = s.duration / ms_to_ticks(c.part_ms);
    if (s.complete) {
      EXPECT_LE(s.parts.size(), size_t(fit) + 2) << describe(run.seg);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rates, HlsSegmenterParts,
                         ::testing::Values(PartCase{30, 334, true}, PartCase{25, 334, true}, PartCase{15, 334, true},
                                           PartCase{60, 334, true}, PartCase{30, 200, true},
                                           PartCase{30, 500, false}, PartCase{24, 1000, true}));

TEST(HlsSegmenter, VideoGapKeepsPartsWithinTheTarget) {
  // The encoder drops video for 0.6 s (a congested uplink, a camera hiccup) while the
  // audio goes on: the parts around the gap stay within the target too.
  for (int64_t gap_from : {2100, 2200, 2300}) {
    Packager run(options_ms(2000, 334));
    auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 6000});
    std::erase_if(packets, [&](const MediaPacket& p) {
      return !p.config && p.kind == TrackKind::video && p.dts >= ms_to_ticks(gap_from) &&
             p.dts < ms_to_ticks(gap_from + 600);
    });
    run.feed(packets);
    expect_invariants(run.seg, fmt::format("no video from {} ms to {} ms", gap_from, gap_from + 600));
  }
}

TEST(HlsSegmenter, PartsStartingWithAKeyframeAreIndependentOthersNot) {
  // Parts of 7 frames (233 ms at 30 fps, target 250 ms) and a keyframe every 14
  // frames: every other part starts with a keyframe; segments of five GOPs (2.33 s).
  Packager run(options_ms(2000, 250));
  const auto packets = synth({.fps = 30, .gop = 14, .duration_ms = 9000});
  run.feed(packets);
  expect_invariants(run.seg);
  const auto keys = keyframe_times(packets);
  size_t independent_inside = 0;
  for (const auto* s : run.complete()) {
    ASSERT_FALSE(s->parts.empty());
    EXPECT_TRUE(s->parts.front().independent) << "segment " << s->msn;
    for (size_t k = 0; k < s->parts.size(); ++k) {
      const bool at_key = std::find(keys.begin(), keys.end(), s->parts[k].start) != keys.end();
      EXPECT_EQ(s->parts[k].independent, at_key) << "segment " << s->msn << " part " << k << "\n"
                                                 << describe(run.seg);
      independent_inside += k > 0 && s->parts[k].independent;
    }
  }
  EXPECT_GT(independent_inside, 0u) << "no part inside a segment started with a keyframe\n" << describe(run.seg);
}

// ---- Numbers and the wall clock ---------------------------------------------------

TEST(HlsSegmenter, NumbersStayContinuousAsTheWindowSlides) {
  Packager run(options_ms(1000, 334, 3));
  run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 30000}));
  expect_invariants(run.seg);
  const auto& segs = run.seg.segments();
  EXPECT_LE(segs.size(), 3u + 2u) << "the window keeps more than window + 1 complete and the open segment";
  EXPECT_EQ(segs.back().msn, 29u) << "30 s of 1 s segments: the open one is the 30th";
  EXPECT_EQ(segs.front().msn + segs.size() - 1, segs.back().msn);
  EXPECT_EQ(run.seg.discontinuity_sequence(), 0u);
  EXPECT_NE(run.seg.init_segment(1), nullptr);
}

TEST(HlsSegmenter, ProgramDateTimeFollowsTheMediaNotTheArrival) {
  // Packets arrive with up to 400 ms of jitter; the date-times are those of the first
  // packet plus media time, so they still add up exactly.
  Packager run(options_ms(2000, 334));
  auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 16000});
  int64_t n = 0;
  for (const auto& p : packets) {
    const bool first_frame = n++ < 3;  // two configurations, then the keyframe that starts it all
    run.seg.push(p, test::arrival(p, first_frame ? 0 : (n * 37) % 400));
  }
  expect_invariants(run.seg);
  const auto& first = run.seg.segments().front();
  EXPECT_EQ(first.program_date_time, test::wall_origin()) << "the first segment is dated by its first packet";
  for (const auto& s : run.seg.segments()) {
    EXPECT_EQ(s.program_date_time - test::wall_origin(),
              std::chrono::duration_cast<test::SysClock::duration>(std::chrono::microseconds(s.start * 1000 / 90)))
        << "segment " << s.msn;
  }
}

// ---- One track only ---------------------------------------------------------------

TEST(HlsSegmenter, AudioOnlyStreamIsCutOnAudioFrames) {
  Packager run(options_ms(2000, 334));
  run.feed(synth({.video = false, .duration_ms = 12000}));
  expect_invariants(run.seg);
  const auto done = run.complete();
  ASSERT_GE(done.size(), 4u) << describe(run.seg);
  for (const auto* s : done) {
    EXPECT_GE(s->duration, ms_to_ticks(2000));
    EXPECT_LT(s->duration, ms_to_ticks(2000 + 24)) << "cut later than the first AAC frame after the target";
    for (const auto& p : s->parts) EXPECT_TRUE(p.independent) << "every AAC frame is a sync sample";
    ASSERT_FALSE(s->parts.empty());
    std::vector<std::string> errors;
    const auto runs = test::read_fragments(s->parts.front().bytes.span(), errors);
    EXPECT_FALSE(runs.contains(kVideo)) << "a video track in an audio-only stream";
    EXPECT_TRUE(runs.contains(kAudio));
    EXPECT_EQ(test::read_ts(s->ts.span()).errors, std::vector<std::string>{});
  }
  EXPECT_EQ(run.seg.codecs(), "mp4a.40.2");
}

// AV1 passed through from Enhanced RTMP: HLS packages the audio alone and says so once.
TEST(HlsSegmenter, Av1VideoIsSkippedOnceAndTheAudioPackaged) {
  Packager run(options_ms(2000, 334));
  auto packets = synth({.duration_ms = 6000});
  for (auto& p : packets)
    if (p.kind == TrackKind::video) p.codec = Codec::av1;
  run.feed(packets);
  expect_invariants(run.seg);
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("av1 video is not packaged for HLS"), std::string::npos) << run.warnings[0];
  const auto done = run.complete();
  ASSERT_GE(done.size(), 2u) << describe(run.seg);
  std::vector<std::string> errors;
  const auto runs = test::read_fragments(done.front()->parts.front().bytes.span(), errors);
  EXPECT_FALSE(runs.contains(kVideo));
  EXPECT_TRUE(runs.contains(kAudio));
  EXPECT_EQ(run.seg.codecs(), "mp4a.40.2");
}

TEST(HlsSegmenter, VideoOnlyStreamIsCutAtKeyframes) {
  Packager run(options_ms(2000, 334));
  run.feed(synth({.audio = false, .fps = 25, .gop = 25, .duration_ms = 12000}));
  expect_invariants(run.seg);
  const auto done = run.complete();
  ASSERT_GE(done.size(), 4u) << describe(run.seg);
  for (const auto* s : done) {
    EXPECT_EQ(s->duration, ms_to_ticks(2000));
    EXPECT_TRUE(s->parts.front().independent);
    std::vector<std::string> errors;
    EXPECT_FALSE(test::read_fragments(s->parts.front().bytes.span(), errors).contains(kAudio));
  }
  EXPECT_EQ(run.seg.codecs().find("mp4a"), std::string::npos) << run.seg.codecs();
}

// ---- Streams that misbehave --------------------------------------------------------

TEST(HlsSegmenter, StreamWhoseKeyframesStopIsForceCut) {
  Packager run(options_ms(2000, 334, 6, 6000));
  run.feed(synth({.fps = 30, .gop = 0, .duration_ms = 20000}));  // a keyframe at 0 s only
  expect_invariants(run.seg);
  const auto done = run.complete();
  ASSERT_GE(done.size(), 3u) << "20 s without a keyframe must still be cut\n" << describe(run.seg);
  for (const auto* s : done) EXPECT_NEAR(double(s->duration), double(ms_to_ticks(6000)), 90.0) << describe(run.seg);
  EXPECT_TRUE(done[0]->parts.front().independent) << "the first segment starts at the keyframe";
  EXPECT_FALSE(done[1]->parts.front().independent) << "a forced cut starts with a delta frame: not INDEPENDENT";
  ASSERT_FALSE(run.warnings.empty()) << "a forced cut is not logged";
  EXPECT_NE(run.warnings.front().find("no keyframe"), std::string::npos) << run.warnings.front();
}

TEST(HlsSegmenter, NothingIsPackagedBeforeTheFirstKeyframe) {
  Packager run(options_ms());
  auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 5000});
  // Drop the first keyframe: the stream then starts with 29 delta frames.
  std::erase_if(packets, [](const MediaPacket& p) { return !p.config && p.keyframe && p.dts == 0; });
  run.feed(packets);
  ASSERT_FALSE(run.seg.segments().empty());
  EXPECT_EQ(run.seg.segments().front().start, ms_to_ticks(1000)) << describe(run.seg);
  expect_invariants(run.seg);

  Packager never(options_ms());
  never.feed(synth({.fps = 30, .first_keyframe = false, .duration_ms = 5000}));
  EXPECT_TRUE(never.seg.segments().empty()) << "without any keyframe there is nothing to start a segment with";
  EXPECT_FALSE(never.seg.live());
}

TEST(HlsSegmenter, FramesWithoutConfigAndDataAreIgnored) {
  Packager run(options_ms());
  auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 3000, .configs = false});
  run.feed(packets);
  EXPECT_TRUE(run.seg.segments().empty()) << "frames of a track without a configuration were packaged";
  MediaPacket data{.kind = TrackKind::data, .codec = Codec::script, .payload = Buffer::copy_of("x")};
  run.seg.push(data, test::wall_origin());
  EXPECT_TRUE(run.seg.segments().empty());
}

// ---- Restarts and codec changes ----------------------------------------------------

TEST(HlsSegmenter, RepublishContinuesAfterADiscontinuity) {
  Packager run(options_ms(2000, 334));
  run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 7000}));
  run.seg.end_of_stream();
  EXPECT_FALSE(run.seg.live());
  const auto before = run.seg.segments();
  ASSERT_TRUE(before.back().complete) << "end_of_stream leaves a segment open";
  const uint64_t last_msn = before.back().msn;
  const auto last_end = before.back().program_date_time +
                        std::chrono::microseconds(before.back().duration * 1000 / 90);

  // The encoder restarts: timestamps from 0 again, ten seconds later on the wall clock.
  run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 7000}), 17000);
  expect_invariants(run.seg);
  EXPECT_TRUE(run.seg.live());
  const auto& segs = run.seg.segments();
  const auto next = std::find_if(segs.begin(), segs.end(), [&](const auto& s) { return s.msn == last_msn + 1; });
  ASSERT_NE(next, segs.end()) << "the media sequence does not continue\n" << describe(run.seg);
  EXPECT_TRUE(next->discontinuity) << describe(run.seg);
  EXPECT_EQ(next->start, 0) << "the new publish's timestamps start over";
  EXPECT_GE(next->program_date_time, last_end);
  EXPECT_EQ(next->init_version, before.back().init_version) << "same codec configuration, same init segment";
  for (auto it = next + 1; it != segs.end(); ++it) EXPECT_FALSE(it->discontinuity);
}

TEST(HlsSegmenter, EndOfStreamClosesTheOpenSegmentWithEverything) {
  Packager run(options_ms(2000, 334));
  const auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 3000});
  run.feed(packets);
  run.seg.end_of_stream();
  expect_invariants(run.seg);
  ASSERT_EQ(run.seg.segments().size(), 2u) << describe(run.seg);
  const auto& last = run.seg.segments().back();
  EXPECT_TRUE(last.complete);
  // Every frame is in: the last one (at 2967 ms) and its duration.
  std::map<uint32_t, size_t> samples;
  for (const auto& s : run.seg.segments())
    for (const auto& p : s.parts) {
      std::vector<std::string> errors;
      for (const auto& [track, runs] : test::read_fragments(p.bytes.span(), errors))
        for (const auto& r : runs) samples[track] += r.samples;
    }
  size_t video = 0, audio = 0;
  for (const auto& p : packets)
    if (!p.config) (p.kind == TrackKind::video ? video : audio) += 1;
  EXPECT_EQ(samples[kVideo], video);
  EXPECT_EQ(samples[kAudio], audio);
  EXPECT_NEAR(double(last.start + last.duration), double(ms_to_ticks(3000)), double(ms_to_ticks(34)));
  // A second end_of_stream (the feeder's, after the config change's) changes nothing.
  const auto count = run.seg.segments().size();
  run.seg.end_of_stream();
  EXPECT_EQ(run.seg.segments().size(), count);
}

// The segment closed at a stop ends where its media ends; its last part, like every
// part, within the part target (RFC 8216bis 4.4.4.9: "MUST be less than or equal
// to the Part Target Duration"), however the tracks end.
void expect_clean_end(const hls::Segmenter& seg, int64_t media_end, const std::string& what) {
  const auto& last = seg.segments().back();
  ASSERT_TRUE(last.complete);
  ASSERT_FALSE(last.parts.empty());
  for (const auto& p : last.parts) EXPECT_GT(p.duration, 0) << what << ": a part of no or negative length\n" << describe(seg);
  EXPECT_LE(last.parts.back().duration, seg.options().part_target)
      << what << ": the last part, closed by end_of_stream, lasts " << test::seconds(last.parts.back().duration)
      << " s, more than the part target " << test::seconds(seg.options().part_target)
      << " s: end_of_stream ends it at the newest dts of any track plus a video frame interval, without "
         "cutting a part for the frames after the last part boundary\n"
      << describe(seg);
  EXPECT_LE(last.start + last.duration, media_end)
      << what << ": the segment closed by end_of_stream lasts past the end of its media ("
      << test::seconds(media_end) << " s)\n"
      << describe(seg);
}

TEST(HlsSegmenter, EndOfStreamKeepsTheLastPartWithinThePartTarget) {
  {
    // Audio and video ending together (the last AAC frame ends at 3.018 s, the last
    // video frame at 3.000 s).
    Packager run(options_ms(2000, 334));
    run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 3000}));
    run.seg.end_of_stream();
    expect_clean_end(run.seg, ms_to_ticks(3000 + 19), "synthetic A/V");
  }
  {
    // The recorded ffmpeg publish, whose audio goes on after the last video frame.
    const auto& rec = test::ffmpeg_publish();
    Packager run(options_ms(1000, 334));
    run.seg.push(*rec.video_config, test::wall_origin());
    run.seg.push(*rec.audio_config, test::wall_origin());
    run.feed(rec.frames);
    int64_t media_end = 0;
    for (const auto& f : rec.frames)
      media_end = std::max(media_end, f.dts + (f.kind == TrackKind::video ? ms_to_ticks(67) : ms_to_ticks(24)));
    run.seg.end_of_stream();
    expect_clean_end(run.seg, media_end, "recorded publish");
  }
}

TEST(HlsSegmenter, CodecConfigChangeDoesNotOverlapTheNextSegment) {
  // A new sequence header at 5 s: the open segment ends where the new one starts, and
  // the wall clock does not go back across the discontinuity.
  Packager run(options_ms(2000, 334));
  run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 5000}));
  run.feed(synth({.fps = 30, .gop = 30, .start_ms = 5000, .duration_ms = 3000, .media = &test::librtmp_publish()}));
  const auto& segs = run.seg.segments();
  auto next = std::find_if(segs.begin(), segs.end(), [](const auto& s) { return s.discontinuity; });
  ASSERT_NE(next, segs.end());
  ASSERT_NE(next, segs.begin());
  const auto& closed = *(next - 1);
  EXPECT_LE(closed.start + closed.duration, next->start)
      << "the segment closed by the codec change ends at " << test::seconds(closed.start + closed.duration)
      << " s, after the next one starts (" << test::seconds(next->start) << " s): its EXTINF overlaps\n"
      << describe(run.seg);
  EXPECT_LE(closed.parts.back().duration, run.seg.options().part_target) << describe(run.seg);
  EXPECT_GE(next->program_date_time,
            closed.program_date_time + std::chrono::microseconds(closed.duration * 1000 / 90))
      << "PROGRAM-DATE-TIME after the codec change is earlier than the end of the segment before it\n"
      << describe(run.seg);
}

TEST(HlsSegmenter, RepublishWithOtherCodecConfigGetsANewInitSegment) {
  Packager run(options_ms(2000, 334));
  run.feed(synth({.fps = 15, .gop = 15, .duration_ms = 5000}));
  run.seg.end_of_stream();
  const uint32_t old_version = run.seg.segments().back().init_version;
  const uint64_t last_msn = run.seg.segments().back().msn;
  run.feed(synth({.fps = 15, .gop = 15, .duration_ms = 5000, .media = &test::librtmp_publish()}), 6000);
  expect_invariants(run.seg);
  const auto& segs = run.seg.segments();
  auto next = std::find_if(segs.begin(), segs.end(), [&](const auto& s) { return s.msn == last_msn + 1; });
  ASSERT_NE(next, segs.end()) << describe(run.seg);
  EXPECT_TRUE(next->discontinuity);
  EXPECT_EQ(next->init_version, old_version + 1) << "another AVC configuration needs another init segment";
  ASSERT_NE(run.seg.init_segment(next->init_version), nullptr);
  ASSERT_NE(run.seg.init_segment(old_version), nullptr) << "the old init segment goes while segments use it";
  EXPECT_FALSE(std::equal(run.seg.init_segment(old_version)->span().begin(),
                          run.seg.init_segment(old_version)->span().end(),
                          run.seg.init_segment(next->init_version)->span().begin(),
                          run.seg.init_segment(next->init_version)->span().end()));
}

TEST(HlsSegmenter, CodecConfigChangeMidStreamStartsANewInitAfterADiscontinuity) {
  Packager run(options_ms(2000, 334));
  run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 5000}));
  ASSERT_FALSE(run.seg.segments().back().complete);
  const uint64_t open_msn = run.seg.segments().back().msn;
  // The encoder is reconfigured at 5 s without reconnecting: a new sequence header in band.
  run.feed(synth({.fps = 30, .gop = 30, .start_ms = 5000, .duration_ms = 5000,
                  .media = &test::librtmp_publish()}));
  expect_invariants(run.seg);
  EXPECT_TRUE(run.seg.live()) << "a codec change is no end of the stream";
  const auto& segs = run.seg.segments();
  auto closed = std::find_if(segs.begin(), segs.end(), [&](const auto& s) { return s.msn == open_msn; });
  ASSERT_NE(closed, segs.end());
  EXPECT_TRUE(closed->complete) << "the segment open at the change was not closed";
  ASSERT_NE(closed + 1, segs.end()) << describe(run.seg);
  EXPECT_TRUE((closed + 1)->discontinuity) << describe(run.seg);
  EXPECT_EQ((closed + 1)->start, ms_to_ticks(5000));
  EXPECT_EQ((closed + 1)->init_version, closed->init_version + 1) << describe(run.seg);
  EXPECT_NE(run.seg.init_segment((closed + 1)->init_version), nullptr);
  // The same configuration repeated (as some encoders do at every keyframe) is no change.
  const auto count = segs.size();
  run.seg.push(test::with_time(*test::librtmp_publish().video_config, 10000), test::wall_origin());
  EXPECT_EQ(run.seg.segments().size(), count);
  EXPECT_FALSE(run.seg.segments().back().complete);
}

TEST(HlsSegmenter, RepublishWithoutVideoStillPackagesTheAudio) {
  // Within the linger time a publisher may come back with fewer tracks (a camera
  // that lost its video encoder, an audio-only fallback).
  Packager run(options_ms(2000, 334));
  run.feed(synth({.fps = 30, .gop = 30, .duration_ms = 5000}));
  run.seg.end_of_stream();
  const uint64_t last_msn = run.seg.segments().back().msn;
  run.feed(synth({.video = false, .duration_ms = 7000}), 6000);
  const auto& segs = run.seg.segments();
  EXPECT_TRUE(run.seg.live()) << "an audio-only republish after an audio + video publish is never packaged: "
                                 "the segmenter keeps the previous publish's video configuration and waits "
                                 "for a video keyframe that never comes";
  auto next = std::find_if(segs.begin(), segs.end(), [&](const auto& s) { return s.msn == last_msn + 1; });
  ASSERT_NE(next, segs.end()) << describe(run.seg);
  EXPECT_TRUE(next->discontinuity);
  EXPECT_EQ(run.seg.codecs(), "mp4a.40.2");
  expect_invariants(run.seg);
}

TEST(HlsSegmenter, WindowDropsOldSegmentsAndTheirInitSegments) {
  Packager run(options_ms(1000, 334, 2));
  run.feed(synth({.fps = 15, .gop = 15, .duration_ms = 3000}));
  run.seg.end_of_stream();
  run.feed(synth({.fps = 15, .gop = 15, .duration_ms = 6000, .media = &test::librtmp_publish()}), 4000);
  expect_invariants(run.seg);
  const auto& segs = run.seg.segments();
  EXPECT_EQ(run.seg.init_segment(1), nullptr) << "init 1 is kept after its last segment left\n" << describe(run.seg);
  EXPECT_NE(run.seg.init_segment(2), nullptr);
  EXPECT_EQ(run.seg.discontinuity_sequence(), 1u) << "the discontinuity left the window\n" << describe(run.seg);
  EXPECT_LE(segs.size(), 2u + 2u);
}

}  // namespace
}  // namespace relaycast
