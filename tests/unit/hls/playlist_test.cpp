// The playlist renderers: the classic (MPEG-TS) and the LL-HLS (fMP4) media playlist
// of a Segmenter, re-rendered after every packet of a stream and put through a small
// m3u8 checker (hls_test_support.hpp): known tags only, EXTINF within TARGETDURATION,
// parts within PART-TARGET, MEDIA-SEQUENCE that of the first segment, a date per
// segment, the preload hint on the next part; then what a player relies on across
// snapshots: numbers that only grow, segments that do not change once listed.
#include "hls/playlist.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hls_test_support.hpp"

namespace relaycast {
namespace {

using test::check_m3u8;
using test::M3u8;
using test::M3u8Kind;
using test::options_ms;
using test::Synth;
using test::synth;

constexpr std::string_view kPlaylistEpoch = "0badcafe";

struct Playlists {
  M3u8 ts, ll;
  std::string ts_text, ll_text;
};

// Renders both playlists of `seg` and checks each; a failure shows the text.
Playlists render(const hls::Segmenter& seg, const std::string& when) {
  Playlists out;
  out.ts_text = hls::render_ts_playlist(seg, kPlaylistEpoch);
  out.ll_text = hls::render_ll_playlist(seg, kPlaylistEpoch);
  if (!out.ts_text.empty()) {
    out.ts = check_m3u8(out.ts_text, M3u8Kind::ts);
    EXPECT_TRUE(out.ts.errors.empty()) << "index.m3u8 " << when << ":\n" << out.ts.error_text() << out.ts_text;
    EXPECT_EQ(out.ts.epoch, kPlaylistEpoch);
  }
  if (!out.ll_text.empty()) {
    out.ll = check_m3u8(out.ll_text, M3u8Kind::ll);
    EXPECT_TRUE(out.ll.errors.empty()) << "ll.m3u8 " << when << ":\n" << out.ll.error_text() << out.ll_text;
    EXPECT_EQ(out.ll.epoch, kPlaylistEpoch);
  }
  return out;
}

// What a player keeps from one reload to the next: a listed segment keeps its
// duration, discontinuity, date and map; a listed part keeps its duration and
// INDEPENDENT; numbers only grow.
class Watcher {
public:
  explicit Watcher(M3u8Kind kind) : kind_(kind) {}

  void see(const M3u8& p, const std::string& text, const std::string& when) {
    if (p.segments.empty()) return;
    if (last_sequence_) {
      EXPECT_GE(*p.media_sequence, *last_sequence_) << when << ": MEDIA-SEQUENCE went back\n" << text;
      EXPECT_GE(p.discontinuity_sequence, last_discontinuity_sequence_) << when << "\n" << text;
    }
    last_sequence_ = p.media_sequence;
    last_discontinuity_sequence_ = p.discontinuity_sequence;
    // The discontinuity sequence counts the discontinuities that left the playlist.
    for (const auto& s : p.segments) {
      if (s.discontinuity) discontinuities_.insert(s.msn);
    }
    uint64_t left = 0;
    for (uint64_t msn : discontinuities_) left += msn < *p.media_sequence;
    EXPECT_EQ(p.discontinuity_sequence, left) << when << ": DISCONTINUITY-SEQUENCE\n" << text;
    for (const auto& s : p.segments) {
      if (s.complete) {
        auto [it, fresh] = segments_.try_emplace(s.msn, s);
        if (!fresh) {
          EXPECT_EQ(it->second.duration, s.duration) << when << ": segment " << s.msn << " changed\n" << text;
          EXPECT_EQ(it->second.pdt_ms, s.pdt_ms) << when << ": segment " << s.msn << " redated\n" << text;
          EXPECT_EQ(it->second.discontinuity, s.discontinuity) << when << ": segment " << s.msn << "\n" << text;
          EXPECT_EQ(it->second.map, s.map) << when << ": segment " << s.msn << "\n" << text;
          EXPECT_EQ(it->second.uri, s.uri) << when << "\n" << text;
        }
      }
      for (const auto& part : s.parts) {
        auto [it, fresh] = parts_.try_emplace(part.uri, part);
        if (!fresh) {
          EXPECT_EQ(it->second.duration, part.duration) << when << ": part " << part.uri << " changed\n" << text;
          EXPECT_EQ(it->second.independent, part.independent) << when << ": part " << part.uri << "\n" << text;
        }
      }
    }
    (void)kind_;
  }

  size_t segments_seen() const { return segments_.size(); }
  size_t parts_seen() const { return parts_.size(); }

private:
  M3u8Kind kind_;
  std::optional<uint64_t> last_sequence_;
  uint64_t last_discontinuity_sequence_ = 0;
  std::set<uint64_t> discontinuities_;
  std::map<uint64_t, test::M3u8Segment> segments_;
  std::map<std::string, test::M3u8Part> parts_;
};

// Feeds `packets`, rendering and checking both playlists after every one.
struct Session {
  explicit Session(hls::SegmenterOptions options)
      : seg(options, [this](const std::string& line) { warnings.push_back(line); }) {}

  void feed(const std::vector<MediaPacket>& packets, int64_t jitter_ms = 0) {
    for (const auto& p : packets) {
      seg.push(p, test::arrival(p, jitter_ms));
      step(fmt::format("after the packet at {:.3f} s", test::seconds(p.dts)));
      if (::testing::Test::HasFailure()) return;  // one broken playlist is enough to read
    }
  }
  void end_of_stream() {
    seg.end_of_stream();
    step("after end_of_stream");
  }
  void step(const std::string& when) {
    last = render(seg, when);
    ts_watch.see(last.ts, last.ts_text, when);
    ll_watch.see(last.ll, last.ll_text, when);
  }

  std::vector<std::string> warnings;
  hls::Segmenter seg;
  Playlists last;
  Watcher ts_watch{M3u8Kind::ts}, ll_watch{M3u8Kind::ll};
};

TEST(HlsPlaylist, FileNames) {
  EXPECT_EQ(hls::ts_segment_name("ab12", 7), "ab12-7.ts");
  EXPECT_EQ(hls::fmp4_segment_name("ab12", 7), "ab12-7.m4s");
  EXPECT_EQ(hls::part_name("ab12", 7, 3), "ab12-7.3.m4s");
  EXPECT_EQ(hls::init_name("ab12", 2), "ab12-init2.mp4");
}

TEST(HlsPlaylist, EmptyUntilThereIsSomethingToList) {
  hls::Segmenter seg(options_ms(), {});
  EXPECT_EQ(hls::render_ts_playlist(seg, kPlaylistEpoch), "");
  EXPECT_EQ(hls::render_ll_playlist(seg, kPlaylistEpoch), "");
  auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 3000});
  size_t i = 0;
  // The configurations and the first frame: a segment is open but has no part yet.
  for (; i < packets.size() && packets[i].config; ++i) seg.push(packets[i], test::arrival(packets[i]));
  seg.push(packets[i], test::arrival(packets[i]));
  ++i;
  EXPECT_EQ(hls::render_ts_playlist(seg, kPlaylistEpoch), "");
  EXPECT_EQ(hls::render_ll_playlist(seg, kPlaylistEpoch), "") << "an LL playlist with an open segment and no part";
  // The first part: LL lists it; the classic playlist waits for a whole segment.
  for (; i < packets.size() && seg.segments().front().parts.empty(); ++i)
    seg.push(packets[i], test::arrival(packets[i]));
  EXPECT_EQ(hls::render_ts_playlist(seg, kPlaylistEpoch), "");
  const auto ll_text = hls::render_ll_playlist(seg, kPlaylistEpoch);
  const auto ll = check_m3u8(ll_text, M3u8Kind::ll);
  EXPECT_TRUE(ll.errors.empty()) << ll.error_text() << ll_text;
  ASSERT_EQ(ll.segments.size(), 1u) << ll_text;
  EXPECT_FALSE(ll.segments[0].complete);
  EXPECT_EQ(ll.segments[0].parts.size(), 1u);
  EXPECT_TRUE(ll.segments[0].parts[0].independent);
  EXPECT_EQ(ll.preload_hint, fmt::format("{}-0.1.m4s", kPlaylistEpoch));
}

TEST(HlsPlaylist, BothPlaylistsAreValidAfterEveryPacket) {
  Session s(options_ms(2000, 334, 6));
  s.feed(synth({.fps = 30, .gop = 30, .duration_ms = 24000}));
  ASSERT_FALSE(::testing::Test::HasFailure());
  const auto& ts = s.last.ts;
  const auto& ll = s.last.ll;
  // 24 s of 2 s segments: 11 complete and the open 12th; the window lists 6.
  ASSERT_EQ(ts.segments.size(), 6u) << s.last.ts_text;
  EXPECT_EQ(*ts.media_sequence, 5u) << s.last.ts_text;
  EXPECT_EQ(ts.target_duration, 2);
  EXPECT_EQ(ts.version, 3);
  EXPECT_TRUE(ts.independent_segments);
  EXPECT_TRUE(ts.preload_hint.empty());
  ASSERT_EQ(ll.segments.size(), 7u) << "six complete segments and the open one\n" << s.last.ll_text;
  EXPECT_EQ(*ll.media_sequence, 5u);
  EXPECT_FALSE(ll.segments.back().complete);
  EXPECT_DOUBLE_EQ(*ll.part_target, 0.334);
  EXPECT_GE(*ll.part_hold_back, 3 * 0.334 - 1e-9) << "RFC 8216bis: PART-HOLD-BACK SHOULD be three part targets";
  EXPECT_TRUE(ll.can_block_reload);
  EXPECT_EQ(ll.maps, std::set<std::string>{fmt::format("{}-init1.mp4", kPlaylistEpoch)});
  EXPECT_FALSE(ll.preload_hint.empty());
  EXPECT_FALSE(ll.endlist) << "a live playlist";
  // Parts: for the newest segments only (RFC 8216bis 4.4.4.9: no older than three
  // target durations), and the same durations as the complete segments they make.
  size_t with_parts = 0;
  for (const auto& seg : ll.segments) with_parts += !seg.parts.empty();
  EXPECT_GE(with_parts, 1u);
  EXPECT_LE(with_parts, 3u) << s.last.ll_text;
  for (size_t i = 0; i + 1 < ll.segments.size(); ++i) {
    EXPECT_EQ(ll.segments[i].msn, ts.segments[i].msn);
    EXPECT_DOUBLE_EQ(ll.segments[i].duration, ts.segments[i].duration) << "the TS and fMP4 segments differ";
    EXPECT_EQ(ll.segments[i].pdt_ms, ts.segments[i].pdt_ms);
    if (!ll.segments[i].parts.empty()) {
      EXPECT_TRUE(ll.segments[i].parts.front().independent);
    }
  }
  EXPECT_EQ(s.ts_watch.segments_seen(), 11u);
  EXPECT_GT(s.ll_watch.parts_seen(), 60u) << "about six parts a segment";
}

TEST(HlsPlaylist, ValidForOtherRatesAndTargets) {
  struct Case {
    Synth synth;
    hls::SegmenterOptions options;
  };
  const Case cases[] = {
      {{.fps = 25, .gop = 50, .duration_ms = 15000}, options_ms(2000, 334, 4)},
      {{.fps = 15, .gop = 45, .duration_ms = 15000}, options_ms(2000, 500, 3)},   // 3 s GOPs
      {{.fps = 60, .gop = 30, .duration_ms = 8000}, options_ms(1000, 200, 5)},
      {{.video = false, .duration_ms = 12000}, options_ms(2000, 334, 3)},
      {{.audio = false, .fps = 30, .gop = 60, .duration_ms = 12000}, options_ms(4000, 1000, 2)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(fmt::format("{} fps gop {} video {} audio {}, segment {} ms part {} ms", c.synth.fps, c.synth.gop,
                             c.synth.video, c.synth.audio, ticks_to_ms(c.options.segment_target),
                             ticks_to_ms(c.options.part_target)));
    Session s(c.options);
    s.feed(synth(c.synth));
    if (::testing::Test::HasFailure()) return;
    EXPECT_EQ(s.last.ts.segments.size(), c.options.window);
    EXPECT_GE(s.last.ts.target_duration, int(ticks_to_ms(c.options.segment_target) / 1000));
    s.end_of_stream();
  }
}

TEST(HlsPlaylist, TargetDurationCoversForcedCuts) {
  Session s(options_ms(2000, 334, 6, 6000));
  s.feed(synth({.fps = 30, .gop = 0, .duration_ms = 20000}));  // one keyframe, at 0 s
  ASSERT_GE(s.last.ts.segments.size(), 2u) << s.last.ts_text;
  EXPECT_EQ(s.last.ts.target_duration, 6) << s.last.ts_text;
  EXPECT_EQ(s.last.ll.target_duration, 6);
}

TEST(HlsPlaylist, ForcedCutsAreNotClaimedIndependent) {
  // A segment cut without a keyframe starts with a delta frame: it cannot be decoded
  // without the segment before it, so the playlist may not say EXT-X-INDEPENDENT-SEGMENTS
  // (RFC 8216bis 4.4.2.1: "applies to every Media Segment in the Playlist").
  Session s(options_ms(2000, 334, 6, 6000));
  s.feed(synth({.fps = 30, .gop = 0, .duration_ms = 14000}));
  const auto& ll = s.last.ll;
  ASSERT_GE(ll.segments.size(), 2u);
  ASSERT_FALSE(ll.segments[1].parts.empty());
  EXPECT_FALSE(ll.segments[1].parts.front().independent) << s.last.ll_text;
  EXPECT_FALSE(s.last.ts.independent_segments)
      << "index.m3u8 says EXT-X-INDEPENDENT-SEGMENTS although segment " << s.last.ts.segments[1].msn
      << " was cut without a keyframe\n"
      << s.last.ts_text;
  EXPECT_FALSE(ll.independent_segments)
      << "ll.m3u8 says EXT-X-INDEPENDENT-SEGMENTS although segment " << ll.segments[1].msn
      << " starts with a part that is not INDEPENDENT\n"
      << s.last.ll_text;
}

TEST(HlsPlaylist, RepublishIsADiscontinuityInTheSameSequence) {
  Session s(options_ms(2000, 334, 4));
  s.feed(synth({.fps = 30, .gop = 30, .duration_ms = 7000}));
  s.end_of_stream();
  const auto after_end = s.last;
  EXPECT_TRUE(after_end.ll.preload_hint.empty()) << "a hint for a part no publisher will make\n"
                                                  << after_end.ll_text;
  EXPECT_TRUE(after_end.ll.segments.back().complete) << after_end.ll_text;
  EXPECT_FALSE(after_end.ll.endlist) << "the stream may come back: no EXT-X-ENDLIST";
  const uint64_t last_msn = after_end.ts.segments.back().msn;

  s.feed(synth({.fps = 30, .gop = 30, .duration_ms = 5000}), 12000);
  const auto& ts = s.last.ts;
  const auto& ll = s.last.ll;
  for (const auto* p : {&ts, &ll}) {
    auto it = std::find_if(p->segments.begin(), p->segments.end(), [&](auto& x) { return x.msn == last_msn + 1; });
    ASSERT_NE(it, p->segments.end()) << s.last.ts_text << s.last.ll_text;
    ASSERT_NE(it, p->segments.begin()) << s.last.ts_text << s.last.ll_text;
    EXPECT_TRUE(it->discontinuity) << "no EXT-X-DISCONTINUITY before the first segment of the new publish";
    EXPECT_GT(*it->pdt_ms, *(it - 1)->pdt_ms);
  }
  EXPECT_EQ(ll.maps.size(), 1u) << "same codec configuration: the same EXT-X-MAP\n" << s.last.ll_text;
  // Once the discontinuity leaves the window, DISCONTINUITY-SEQUENCE counts it (the
  // Watcher checks it after every packet).
  s.feed(synth({.fps = 30, .gop = 30, .start_ms = 5000, .duration_ms = 10000, .configs = false}), 12000);
  EXPECT_EQ(s.last.ts.discontinuity_sequence, 1u) << s.last.ts_text;
  EXPECT_EQ(s.last.ll.discontinuity_sequence, 1u) << s.last.ll_text;
}

TEST(HlsPlaylist, CodecChangeGetsANewMap) {
  Session s(options_ms(2000, 334, 6));
  s.feed(synth({.fps = 15, .gop = 15, .duration_ms = 5000}));
  s.feed(synth({.fps = 15, .gop = 15, .start_ms = 5000, .duration_ms = 5000, .media = &test::librtmp_publish()}));
  const auto& ll = s.last.ll;
  ASSERT_EQ(ll.maps.size(), 2u) << s.last.ll_text;
  const auto it = std::find_if(ll.segments.begin(), ll.segments.end(), [](auto& x) { return x.discontinuity; });
  ASSERT_NE(it, ll.segments.end()) << s.last.ll_text;
  ASSERT_NE(it, ll.segments.begin());
  EXPECT_NE(it->map, (it - 1)->map) << "the segment after the codec change has the old EXT-X-MAP\n" << s.last.ll_text;
  EXPECT_EQ(it->map, fmt::format("{}-init2.mp4", kPlaylistEpoch));
  EXPECT_NE(s.last.ll_text.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"" + it->map), std::string::npos)
      << s.last.ll_text;
  const auto& ts = s.last.ts;
  EXPECT_TRUE(std::any_of(ts.segments.begin(), ts.segments.end(), [](auto& x) { return x.discontinuity; }))
      << s.last.ts_text;
}

TEST(HlsPlaylist, PreloadHintNamesTheNextPart) {
  Session s(options_ms(2000, 334));
  auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 6000});
  std::string hint;
  size_t hint_changes = 0;
  for (const auto& p : packets) {
    s.feed({p});
    if (::testing::Test::HasFailure()) return;
    if (s.last.ll.preload_hint != hint) {
      // The hinted part is the one made next, also when a segment is cut: the
      // previous hint is now listed.
      if (!hint.empty()) {
        bool listed = false;
        for (const auto& seg : s.last.ll.segments)
          for (const auto& part : seg.parts) listed |= part.uri == hint;
        EXPECT_TRUE(listed) << "the hinted " << hint << " is not the part that was made next\n" << s.last.ll_text;
      }
      hint = s.last.ll.preload_hint;
      ++hint_changes;
    }
  }
  EXPECT_GT(hint_changes, 12u);
}

TEST(HlsPlaylist, MultivariantDescribesTheStreamOnceASegmentIsComplete) {
  hls::Segmenter seg(options_ms(2000, 334), {});
  auto packets = synth({.fps = 30, .gop = 30, .duration_ms = 7000});
  size_t i = 0;
  // Nothing to measure the bit rate on before a whole segment.
  for (; i < packets.size() && (seg.segments().empty() || !seg.segments().front().complete); ++i) {
    EXPECT_EQ(hls::render_multivariant_playlist(seg, "ll.m3u8"), "") << "before a complete segment, packet " << i;
    seg.push(packets[i], test::arrival(packets[i]));
  }
  for (; i < packets.size(); ++i) seg.push(packets[i], test::arrival(packets[i]));
  const std::string text = hls::render_multivariant_playlist(seg, "ll.m3u8");
  ASSERT_TRUE(text.starts_with("#EXTM3U\n#EXT-X-STREAM-INF:")) << text;
  EXPECT_TRUE(text.ends_with("\nll.m3u8\n")) << text;
  EXPECT_NE(text.find(",CODECS=\"" + seg.codecs() + "\""), std::string::npos) << text;
  EXPECT_NE(seg.codecs().find("avc1."), std::string::npos);
  const auto [width, height] = seg.video_size();
  EXPECT_GT(width, 0u);
  EXPECT_NE(text.find(fmt::format(",RESOLUTION={}x{}", width, height)), std::string::npos) << text;

  // The bit rates are those of the complete segments' parts: the peak and the mean.
  double peak = 0, bits = 0, secs = 0;
  for (const auto& s : seg.segments()) {
    if (!s.complete) continue;
    size_t bytes = 0;
    for (const auto& part : s.parts) bytes += part.bytes.size();
    peak = std::max(peak, 8.0 * double(bytes) / test::seconds(s.duration));
    bits += 8.0 * double(bytes);
    secs += test::seconds(s.duration);
  }
  EXPECT_NE(text.find(fmt::format("BANDWIDTH={},", uint64_t(std::ceil(peak)))), std::string::npos) << text;
  EXPECT_NE(text.find(fmt::format("AVERAGE-BANDWIDTH={},", uint64_t(std::ceil(bits / secs)))), std::string::npos)
      << text;
}

TEST(HlsPlaylist, MultivariantOfAnAudioOnlyStreamHasNoResolution) {
  hls::Segmenter seg(options_ms(2000, 334), {});
  for (const auto& p : synth({.video = false, .duration_ms = 5000})) seg.push(p, test::arrival(p));
  const std::string text = hls::render_multivariant_playlist(seg, "ll.m3u8");
  EXPECT_NE(text.find("CODECS=\"mp4a.40.2\""), std::string::npos) << text;
  EXPECT_EQ(text.find("RESOLUTION"), std::string::npos) << text;
}

}  // namespace
}  // namespace relaycast
