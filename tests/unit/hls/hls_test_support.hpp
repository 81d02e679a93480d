#pragma once
// Test-only support for the HLS packager tests: real codec configuration and frames
// from a recorded publish (tests/fixtures/rtmp), synthetic streams made of them with
// timestamps we choose (frame rate, keyframe interval, audio only, video only), and a
// small m3u8 checker that parses a media playlist and lists every rule it breaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "../format/mp4_box_reader.hpp"
#include "../format/recorded_rtmp.hpp"
#include "format/flv.hpp"
#include "hls/segmenter.hpp"
#include "media/media_packet.hpp"

namespace relaycast::test {

// ---- Media ------------------------------------------------------------------------

// What a recorded publish holds: its decoder configurations and its frames.
struct RecordedPublish {
  std::optional<MediaPacket> video_config, audio_config;
  std::vector<MediaPacket> frames;  // audio and video in arrival order
  std::optional<MediaPacket> keyframe, delta, aac;  // one of each, for synthetic streams
};

inline RecordedPublish load_publish(const std::string& file) {
  RecordedPublish out;
  for (const auto& msg : recorded_messages(read_fixture(file))) {
    if (msg.type != flv::kTagAudio && msg.type != flv::kTagVideo) continue;
    auto packet = flv::body_to_packet(msg.type, msg.timestamp_ms, Buffer::copy_of(msg.body));
    if (!packet) continue;  // end of sequence and the like
    const bool video = packet->kind == TrackKind::video;
    if (packet->config) {
      (video ? out.video_config : out.audio_config) = *packet;
      continue;
    }
    out.frames.push_back(*packet);
    if (video && packet->keyframe && !out.keyframe) out.keyframe = *packet;
    if (video && !packet->keyframe && !out.delta) out.delta = *packet;
    if (!video && !out.aac) out.aac = *packet;
  }
  EXPECT_TRUE(out.video_config && out.audio_config && out.keyframe && out.delta && out.aac)
      << file << ": the recording lacks a config or a kind of frame";
  return out;
}

// ffmpeg 5.1: H.264 320x240 15 fps (a keyframe a second) + AAC 44.1 kHz, about 3 s.
inline const RecordedPublish& ffmpeg_publish() {
  static const RecordedPublish publish = load_publish("rtmp/ffmpeg-publish.c2s.bin");
  return publish;
}
// GStreamer's x264 and AAC encoders: other configuration bytes for the same picture.
inline const RecordedPublish& librtmp_publish() {
  static const RecordedPublish publish = load_publish("rtmp/librtmp-publish.c2s.bin");
  return publish;
}

// A stream built from recorded frames with timestamps we choose, in whole
// milliseconds as RTMP carries them.
struct Synth {
  bool video = true;
  bool audio = true;
  int fps = 30;
  int gop = 30;              // frames from one keyframe to the next; 0: only the first is one
  bool first_keyframe = true;  // false: no keyframe at all
  int64_t start_ms = 0;
  int64_t duration_ms = 10000;
  uint32_t sample_rate = 44100;  // the recording's AAC
  const RecordedPublish* media = nullptr;  // ffmpeg_publish() if null
  bool configs = true;  // begin with the decoder configurations
};

inline MediaPacket with_time(MediaPacket p, int64_t ms) {
  p.dts = p.pts = ms_to_ticks(ms);
  return p;
}

// Configurations first, then frames in timestamp order (video first on a tie, as
// encoders interleave them).
inline std::vector<MediaPacket> synth(const Synth& s) {
  const RecordedPublish& m = s.media ? *s.media : ffmpeg_publish();
  std::vector<MediaPacket> out;
  if (s.configs) {
    if (s.video) out.push_back(with_time(*m.video_config, s.start_ms));
    if (s.audio) out.push_back(with_time(*m.audio_config, s.start_ms));
  }
  std::vector<MediaPacket> frames;
  if (s.video) {
    for (int64_t n = 0;; ++n) {
      const int64_t ms = n * 1000 / s.fps;
      if (ms >= s.duration_ms) break;
      const bool key = s.first_keyframe && (n == 0 || (s.gop > 0 && n % s.gop == 0));
      frames.push_back(with_time(key ? *m.keyframe : *m.delta, s.start_ms + ms));
    }
  }
  if (s.audio) {
    for (int64_t n = 0;; ++n) {
      const int64_t ms = n * 1024 * 1000 / s.sample_rate;
      if (ms >= s.duration_ms) break;
      frames.push_back(with_time(*m.aac, s.start_ms + ms));
    }
  }
  std::stable_sort(frames.begin(), frames.end(), [](const MediaPacket& a, const MediaPacket& b) {
    if (a.dts != b.dts) return a.dts < b.dts;
    return a.kind == TrackKind::video && b.kind != TrackKind::video;
  });
  out.insert(out.end(), frames.begin(), frames.end());
  return out;
}

// ---- fMP4 fragments ---------------------------------------------------------------

// One track's run in a moof (ISO/IEC 14496-12 8.8): where it starts on the track's
// timeline and how long its samples last, in the track's timescale.
struct TrackRun {
  uint64_t decode_time = 0;  // tfdt
  uint64_t duration = 0;     // the sum of the sample durations
  size_t samples = 0;
  bool first_is_sync = false;
};

// A part or fMP4 segment: moof + mdat pairs; the runs of each track, in order.
inline std::map<uint32_t, std::vector<TrackRun>> read_fragments(std::span<const uint8_t> bytes,
                                                                std::vector<std::string>& errors) {
  std::map<uint32_t, std::vector<TrackRun>> out;
  const auto boxes = read_boxes(bytes);
  for (size_t i = 0; i < boxes.size(); ++i) {
    const auto& box = boxes[i];
    if (box.type == "mdat") continue;
    if (box.type != "moof") {
      errors.push_back("a '" + box.type + "' box among the fragments");
      continue;
    }
    if (i + 1 >= boxes.size() || boxes[i + 1].type != "mdat") errors.push_back("a moof without its mdat");
    for (const Mp4Box* traf : box.all("traf")) {
      const Mp4Box* tfhd = traf->child("tfhd");
      const Mp4Box* tfdt = traf->child("tfdt");
      const Mp4Box* trun = traf->child("trun");
      if (!tfhd || !tfdt || !trun) {
        errors.push_back("a traf without tfhd, tfdt or trun");
        continue;
      }
      ByteReader h = tfhd->full_body();
      const uint32_t tf = tfhd->flags();
      const uint32_t track = h.u32be().value_or(0);
      if (tf & 0x01) h.skip(8);
      if (tf & 0x02) h.skip(4);
      const uint32_t default_duration = (tf & 0x08) ? h.u32be().value_or(0) : 0;
      if (tf & 0x10) h.skip(4);
      const uint32_t default_flags = (tf & 0x20) ? h.u32be().value_or(0) : 0;
      TrackRun run;
      ByteReader d = tfdt->full_body();
      run.decode_time = tfdt->version() == 1 ? d.u64be().value_or(0) : d.u32be().value_or(0);
      ByteReader r = trun->full_body();
      const uint32_t rf = trun->flags();
      run.samples = r.u32be().value_or(0);
      if (rf & 0x01) r.skip(4);
      std::optional<uint32_t> first_flags;
      if (rf & 0x04) first_flags = r.u32be();
      for (size_t k = 0; k < run.samples; ++k) {
        run.duration += (rf & 0x100) ? r.u32be().value_or(0) : default_duration;
        if (rf & 0x200) r.skip(4);
        uint32_t flags = default_flags;
        if (rf & 0x400) flags = r.u32be().value_or(0);
        if (k == 0 && first_flags) flags = *first_flags;
        if (k == 0) run.first_is_sync = !(flags & 0x00010000);  // sample_is_non_sync_sample
        if (rf & 0x800) r.skip(4);
      }
      out[track].push_back(run);
    }
  }
  return out;
}

// ---- Feeding a Segmenter -----------------------------------------------------------

using SysClock = std::chrono::system_clock;

// A fixed wall clock origin, so program date-times are reproducible.
inline SysClock::time_point wall_origin() {
  return SysClock::time_point(std::chrono::milliseconds(1'700'000'000'000));
}

// The wall clock a packet arrives at in a real-time publish: the origin plus its dts,
// plus an optional delay of its own (network jitter).
inline SysClock::time_point arrival(const MediaPacket& p, int64_t jitter_ms = 0) {
  return wall_origin() + std::chrono::milliseconds(ticks_to_ms(p.dts) + jitter_ms);
}

inline hls::SegmenterOptions options_ms(int64_t segment_ms = 2000, int64_t part_ms = 334, size_t window = 6,
                                        int64_t force_cut_ms = 6000) {
  return {.segment_target = ms_to_ticks(segment_ms),
          .part_target = ms_to_ticks(part_ms),
          .window = window,
          .force_cut = ms_to_ticks(force_cut_ms)};
}

inline double seconds(int64_t ticks) { return double(ticks) / double(kTimebase); }

// ---- The m3u8 checker --------------------------------------------------------------

struct M3u8Part {
  double duration = 0;
  std::string uri;
  uint64_t msn = 0;
  size_t index = 0;
  bool independent = false;
};

struct M3u8Segment {
  uint64_t msn = 0;
  bool complete = false;  // has EXTINF and a URI (else: parts of the open segment only)
  double duration = 0;    // EXTINF
  std::string uri;
  bool discontinuity = false;
  std::string map;  // the EXT-X-MAP in force
  std::optional<int64_t> pdt_ms;  // EXT-X-PROGRAM-DATE-TIME, ms since the Unix epoch
  std::vector<M3u8Part> parts;
};

struct M3u8 {
  int version = 0;
  int target_duration = -1;
  std::optional<uint64_t> media_sequence;
  uint64_t discontinuity_sequence = 0;
  bool independent_segments = false;
  std::optional<double> part_target, part_hold_back;
  bool can_block_reload = false;
  bool endlist = false;
  std::string preload_hint;  // URI of EXT-X-PRELOAD-HINT
  std::vector<M3u8Segment> segments;
  std::set<std::string> maps;
  std::string epoch;
  bool trailing_tags = false;  // tags (a date, a discontinuity) of a segment with no part yet
  std::vector<std::string> errors;  // every rule broken

  const M3u8Segment& last() const { return segments.back(); }
  std::string error_text() const {
    std::string s;
    for (const auto& e : errors) s += "  - " + e + "\n";
    return s;
  }
};

enum class M3u8Kind { ts, ll };

// "2023-11-14T22:13:20.123Z" -> ms since the epoch.
inline std::optional<int64_t> parse_pdt(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  char z = 0;
  const std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z) != 8 || z != 'Z')
    return std::nullopt;
  using namespace std::chrono;
  const sys_days day = year_month_day(year(y), month(unsigned(mo)), std::chrono::day(unsigned(d)));
  return duration_cast<milliseconds>(day.time_since_epoch()).count() + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

// ATTR=value,ATTR="value" (RFC 8216bis 4.2).
inline std::map<std::string, std::string> attributes(std::string_view list, std::vector<std::string>& errors,
                                                     std::string_view line) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < list.size()) {
    const size_t eq = list.find('=', i);
    if (eq == std::string_view::npos) {
      errors.push_back(fmt::format("attribute without a value in '{}'", line));
      break;
    }
    std::string name(list.substr(i, eq - i));
    size_t end;
    std::string value;
    if (eq + 1 < list.size() && list[eq + 1] == '"') {
      const size_t close = list.find('"', eq + 2);
      if (close == std::string_view::npos) {
        errors.push_back(fmt::format("unterminated quoted string in '{}'", line));
        break;
      }
      value = std::string(list.substr(eq + 2, close - eq - 2));
      end = close + 1;
    } else {
      end = std::min(list.find(',', eq), list.size());
      value = std::string(list.substr(eq + 1, end - eq - 1));
    }
    if (out.contains(name)) errors.push_back(fmt::format("attribute {} twice in '{}'", name, line));
    out[name] = value;
    if (end < list.size() && list[end] != ',') errors.push_back(fmt::format("junk after {} in '{}'", name, line));
    i = end + 1;
  }
  return out;
}

inline bool whole_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<epoch>-<msn>.<ext>" or "<epoch>-<msn>.<part>.m4s": {epoch, msn, part or -1}.
struct ParsedName {
  std::string epoch;
  uint64_t msn = 0;
  int64_t part = -1;
};
inline std::optional<ParsedName> parse_media_name(std::string_view uri, std::string_view ext) {
  const size_t dash = uri.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  ParsedName out{std::string(uri.substr(0, dash))};
  std::string_view rest = uri.substr(dash + 1);
  if (!rest.ends_with(ext)) return std::nullopt;
  rest.remove_suffix(ext.size());
  const size_t dot = rest.find('.');
  const std::string_view msn = rest.substr(0, dot);
  if (!whole_number(msn)) return std::nullopt;
  out.msn = std::stoull(std::string(msn));
  if (dot != std::string_view::npos) {
    const std::string_view part = rest.substr(dot + 1);
    if (!whole_number(part)) return std::nullopt;
    out.part = std::stoll(std::string(part));
  }
  return out;
}

// Parses a media playlist and checks the rules of RFC 8216bis that a live packager can
// break: known tags only, header tags once and before the segments, EXTINF rounded
// <= TARGETDURATION, MEDIA-SEQUENCE = the first segment's number and numbers
// consecutive, parts numbered from 0 and not longer than PART-TARGET, parts adding up
// to their segment, a PROGRAM-DATE-TIME per segment, an EXT-X-MAP before fMP4 media,
// the preload hint naming the next part.
inline M3u8 check_m3u8(std::string_view text, M3u8Kind kind) {
  M3u8 p;
  auto& err = p.errors;
  const bool ll = kind == M3u8Kind::ll;
  std::vector<std::string> lines;
  {
    std::string line;
    std::istringstream in{std::string(text)};
    while (std::getline(in, line)) lines.push_back(line);
  }
  if (text.empty() || text.back() != '\n') err.push_back("the playlist does not end with a newline");
  if (lines.empty() || lines[0] != "#EXTM3U") {
    err.push_back("the first line is not #EXTM3U");
    return p;
  }
  static const std::set<std::string> header_tags = {
      "EXT-X-VERSION", "EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE",
      "EXT-X-INDEPENDENT-SEGMENTS", "EXT-X-SERVER-CONTROL", "EXT-X-PART-INF"};
  static const std::set<std::string> ll_only = {"EXT-X-SERVER-CONTROL", "EXT-X-PART-INF", "EXT-X-PART",
                                                "EXT-X-PRELOAD-HINT", "EXT-X-MAP"};
  std::set<std::string> seen_header;
  bool in_media = false;
  M3u8Segment cur;
  bool cur_has_content = false;
  std::string map;
  double extinf = 0;
  bool have_extinf = false;
  const std::string ext = ll ? ".m4s" : ".ts";
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) {
      err.push_back(fmt::format("line {} is empty", i + 1));
      continue;
    }
    if (line[0] != '#') {  // a URI: the media segment
      if (!have_extinf) {
        err.push_back(fmt::format("URI '{}' without a preceding EXTINF", line));
        continue;
      }
      cur.complete = true;
      cur.duration = extinf;
      cur.uri = line;
      auto name = parse_media_name(line, ext);
      if (!name || name->part != -1) {
        err.push_back(fmt::format("segment URI '{}' is not <epoch>-<msn>{}", line, ext));
      } else {
        cur.msn = name->msn;
        if (p.epoch.empty()) p.epoch = name->epoch;
        if (name->epoch != p.epoch) err.push_back(fmt::format("segment '{}' of another epoch", line));
      }
      cur.map = map;
      p.segments.push_back(cur);
      cur = {};
      cur_has_content = false;
      have_extinf = false;
      continue;
    }
    if (!line.starts_with("#EXT")) continue;  // a comment
    const size_t colon = line.find(':');
    const std::string tag = line.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
    const std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!ll && ll_only.contains(tag)) err.push_back(fmt::format("{} in a classic (TS) playlist", tag));
    if (header_tags.contains(tag)) {
      if (in_media) err.push_back(fmt::format("{} after the first media segment tag", tag));
      if (!seen_header.insert(tag).second) err.push_back(fmt::format("{} twice", tag));
    }
    if (tag == "EXT-X-VERSION") {
      p.version = std::atoi(value.c_str());
    } else if (tag == "EXT-X-TARGETDURATION") {
      if (!whole_number(value)) err.push_back("TARGETDURATION is not a whole number: " + value);
      p.target_duration = std::atoi(value.c_str());
    } else if (tag == "EXT-X-MEDIA-SEQUENCE") {
      if (!whole_number(value)) err.push_back("MEDIA-SEQUENCE is not a whole number: " + value);
      p.media_sequence = std::stoull(value);
    } else if (tag == "EXT-X-DISCONTINUITY-SEQUENCE") {
      if (!whole_number(value)) err.push_back("DISCONTINUITY-SEQUENCE is not a whole number: " + value);
      p.discontinuity_sequence = std::stoull(value);
    } else if (tag == "EXT-X-INDEPENDENT-SEGMENTS") {
      p.independent_segments = true;
    } else if (tag == "EXT-X-SERVER-CONTROL") {
      auto a = attributes(value, err, line);
      p.can_block_reload = a["CAN-BLOCK-RELOAD"] == "YES";
      if (a.contains("PART-HOLD-BACK")) p.part_hold_back = std::atof(a["PART-HOLD-BACK"].c_str());
    } else if (tag == "EXT-X-PART-INF") {
      auto a = attributes(value, err, line);
      if (!a.contains("PART-TARGET")) err.push_back("EXT-X-PART-INF without PART-TARGET");
      p.part_target = std::atof(a["PART-TARGET"].c_str());
    } else if (tag == "EXTINF") {
      in_media = true;
      const auto comma = value.find(',');
      if (comma == std::string::npos) err.push_back("EXTINF without a comma: " + line);
      extinf = std::atof(value.substr(0, comma).c_str());
      have_extinf = true;
    } else if (tag == "EXT-X-DISCONTINUITY") {
      in_media = true;
      if (cur_has_content) err.push_back("EXT-X-DISCONTINUITY between the parts of one segment");
      cur.discontinuity = true;
    } else if (tag == "EXT-X-MAP") {
      in_media = true;
      auto a = attributes(value, err, line);
      map = a["URI"];
      p.maps.insert(map);
      if (!map.ends_with(".mp4") || map.find("-init") == std::string::npos)
        err.push_back("EXT-X-MAP URI is not <epoch>-init<v>.mp4: " + map);
    } else if (tag == "EXT-X-PROGRAM-DATE-TIME") {
      in_media = true;
      if (cur.pdt_ms) err.push_back("two PROGRAM-DATE-TIMEs for one segment");
      cur.pdt_ms = parse_pdt(value);
      if (!cur.pdt_ms) err.push_back("PROGRAM-DATE-TIME is not ISO 8601 with ms: " + value);
    } else if (tag == "EXT-X-PART") {
      in_media = true;
      cur_has_content = true;
      auto a = attributes(value, err, line);
      M3u8Part part{.duration = std::atof(a["DURATION"].c_str()),
                    .uri = a["URI"],
                    .independent = a.contains("INDEPENDENT") && a["INDEPENDENT"] == "YES"};
      if (!a.contains("DURATION") || !a.contains("URI")) err.push_back("EXT-X-PART without DURATION or URI");
      auto name = parse_media_name(part.uri, ".m4s");
      if (!name || name->part < 0) {
        err.push_back(fmt::format("part URI '{}' is not <epoch>-<msn>.<part>.m4s", part.uri));
      } else {
        part.msn = name->msn;
        part.index = size_t(name->part);
        if (p.epoch.empty()) p.epoch = name->epoch;
        if (name->epoch != p.epoch) err.push_back(fmt::format("part '{}' of another epoch", part.uri));
      }
      cur.parts.push_back(part);
    } else if (tag == "EXT-X-PRELOAD-HINT") {
      auto a = attributes(value, err, line);
      if (a["TYPE"] != "PART") err.push_back("PRELOAD-HINT of TYPE " + a["TYPE"]);
      if (!p.preload_hint.empty()) err.push_back("two PRELOAD-HINTs");
      p.preload_hint = a["URI"];
      if (i + 1 != lines.size()) err.push_back("PRELOAD-HINT is not the last line");
    } else if (tag == "EXT-X-ENDLIST") {
      p.endlist = true;
    } else {
      err.push_back("unknown tag " + tag);
    }
  }
  if (have_extinf) err.push_back("EXTINF at the end without a URI");
  if (cur_has_content) {  // the open segment: parts only
    if (!ll) err.push_back("an unfinished segment in a classic playlist");
    cur.map = map;
    cur.msn = cur.parts.front().msn;
    p.segments.push_back(cur);
  } else if (cur.pdt_ms || cur.discontinuity) {
    // The tags of a segment just opened, whose first part is not made yet: they apply
    // to the part the preload hint names.
    if (!ll) err.push_back("media segment tags without a segment at the end of a classic playlist");
    if (ll && p.preload_hint.empty()) err.push_back("media segment tags at the end without a segment, part or hint");
    p.trailing_tags = true;
  }

  // Header.
  if (p.target_duration < 0) err.push_back("no EXT-X-TARGETDURATION");
  if (!p.media_sequence) err.push_back("no EXT-X-MEDIA-SEQUENCE");
  if (p.version < 3) err.push_back(fmt::format("VERSION {} < 3 (floating EXTINF needs 3)", p.version));
  if (ll) {
    if (p.version < 6) err.push_back(fmt::format("VERSION {} < 6 (EXT-X-MAP in a media playlist needs 6)", p.version));
    if (!p.part_target) err.push_back("no EXT-X-PART-INF");
    if (!p.can_block_reload) err.push_back("no CAN-BLOCK-RELOAD=YES");
    if (!p.part_hold_back) {
      err.push_back("no PART-HOLD-BACK");
    } else if (p.part_target && *p.part_hold_back < 2 * *p.part_target - 1e-9) {
      err.push_back(fmt::format("PART-HOLD-BACK {} < 2 x PART-TARGET {}", *p.part_hold_back, *p.part_target));
    }
  }
  if (p.segments.empty()) {
    err.push_back("no segment");
    return p;
  }

  // Segments.
  if (p.media_sequence && p.segments[0].msn != *p.media_sequence)
    err.push_back(fmt::format("MEDIA-SEQUENCE {} but the first segment is {}", *p.media_sequence, p.segments[0].msn));
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const auto& s = p.segments[i];
    const std::string what = fmt::format("segment {}", s.msn);
    if (i > 0 && s.msn != p.segments[i - 1].msn + 1)
      err.push_back(fmt::format("{} follows {}", what, p.segments[i - 1].msn));
    if (!s.complete && i + 1 != p.segments.size()) err.push_back(what + ": unfinished but not the last");
    if (s.complete && std::lround(s.duration) > p.target_duration)
      err.push_back(fmt::format("{}: EXTINF {:.3f} rounds above TARGETDURATION {}", what, s.duration,
                                p.target_duration));
    if (s.complete && s.duration <= 0) err.push_back(what + ": EXTINF not positive");
    if (!s.pdt_ms) err.push_back(what + ": no PROGRAM-DATE-TIME");
    if (ll && s.map.empty()) err.push_back(what + ": no EXT-X-MAP before it");
    if (!s.parts.empty()) {
      double sum = 0;
      for (size_t k = 0; k < s.parts.size(); ++k) {
        const auto& part = s.parts[k];
        sum += part.duration;
        if (part.msn != s.msn) err.push_back(fmt::format("{}: part '{}' of another segment", what, part.uri));
        if (part.index != k) err.push_back(fmt::format("{}: part '{}' listed as number {}", what, part.uri, k));
        if (part.duration <= 0) err.push_back(fmt::format("{}: part '{}' not positive", what, part.uri));
        if (p.part_target && part.duration > *p.part_target + 1e-9)
          err.push_back(fmt::format("{}: part '{}' lasts {:.3f} s > PART-TARGET {:.3f}", what, part.uri,
                                    part.duration, *p.part_target));
      }
      if (s.complete && std::abs(sum - s.duration) > 0.0015 * double(s.parts.size()))
        err.push_back(fmt::format("{}: parts add up to {:.3f} s, EXTINF says {:.3f}", what, sum, s.duration));
    }
    // Parts are listed for the newest segments only, without holes.
    if (i > 0 && !p.segments[i - 1].parts.empty() && s.parts.empty() && !s.complete)
      err.push_back(what + ": unfinished and without parts");
    if (i > 0 && !p.segments[i - 1].parts.empty() && s.parts.empty() && s.complete)
      err.push_back(what + ": no parts listed although an older segment has them");
    // Wall clock: monotonic, and consistent with the durations within a run.
    if (i > 0 && s.pdt_ms && p.segments[i - 1].pdt_ms) {
      const auto& prev = p.segments[i - 1];
      const int64_t gap = *s.pdt_ms - *prev.pdt_ms;
      if (gap < 0) err.push_back(fmt::format("{}: PROGRAM-DATE-TIME goes back {} ms", what, -gap));
      if (!s.discontinuity && std::abs(double(gap) - prev.duration * 1000) > 2.0)
        err.push_back(fmt::format("{}: PROGRAM-DATE-TIME {} ms after the previous one, which lasts {:.3f} s", what,
                                  gap, prev.duration));
    }
  }
  if (ll && p.segments.back().parts.empty() && !p.segments.back().complete)
    err.push_back("the open segment has no part");

  // The hint: the part after the newest one.
  if (!p.preload_hint.empty()) {
    const auto& last = p.segments.back();
    const auto expected = last.complete ? fmt::format("{}-{}.0.m4s", p.epoch, last.msn + 1)
                                        : fmt::format("{}-{}.{}.m4s", p.epoch, last.msn, last.parts.size());
    if (p.preload_hint != expected)
      err.push_back(fmt::format("PRELOAD-HINT names '{}', the next part is '{}'", p.preload_hint, expected));
  }
  return p;
}

}  // namespace relaycast::test
