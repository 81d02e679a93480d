#include "hls/playlist.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace relaycast::hls {
namespace {

// Partial segments are listed for the open segment and this many complete ones before
// it (RFC 8216bis 4.4.4.9: parts older than three target durations may go).
constexpr size_t kSegmentsWithParts = 2;

double seconds(int64_t ticks) { return double(ticks) / double(kTimebase); }

std::string iso8601(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
}

// RFC 8216bis 4.4.3.1: every EXTINF rounded to the nearest integer must be <= it.
int target_duration(const Segmenter& s) {
  double longest = seconds(s.options().segment_target);
  for (const auto& seg : s.segments())
    if (seg.complete) longest = std::max(longest, seconds(seg.duration));
  return int(std::ceil(longest - 0.001));
}

// The window the playlist lists: the last `window` complete segments (and the open one).
size_t first_listed(const Segmenter& s) {
  size_t complete = 0;
  for (const auto& seg : s.segments()) complete += seg.complete;
  const size_t drop = complete > s.options().window ? complete - s.options().window : 0;
  return drop;
}

// RFC 8216bis 4.4.2.1: EXT-X-INDEPENDENT-SEGMENTS applies to every segment listed, so
// it is said only while none of them was force-cut without a keyframe (parts say
// INDEPENDENT=YES on their own).
bool all_independent(const Segmenter& s, size_t first, bool with_open) {
  const auto& segs = s.segments();
  for (size_t i = first; i < segs.size(); ++i)
    if ((segs[i].complete || with_open) && !segs[i].independent) return false;
  return true;
}

void header(std::string& out, const Segmenter& s, size_t first, int version) {
  const auto& segs = s.segments();
  uint64_t discontinuities = s.discontinuity_sequence();
  for (size_t i = 0; i < first; ++i) discontinuities += segs[i].discontinuity;
  out += fmt::format("#EXTM3U\n#EXT-X-VERSION:{}\n#EXT-X-TARGETDURATION:{}\n", version, target_duration(s));
  out += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", segs[first].msn);
  if (discontinuities > 0) out += fmt::format("#EXT-X-DISCONTINUITY-SEQUENCE:{}\n", discontinuities);
}

}  // namespace

std::string ts_segment_name(std::string_view epoch, uint64_t msn) { return fmt::format("{}-{}.ts", epoch, msn); }
std::string fmp4_segment_name(std::string_view epoch, uint64_t msn) { return fmt::format("{}-{}.m4s", epoch, msn); }
std::string part_name(std::string_view epoch, uint64_t msn, size_t part) {
  return fmt::format("{}-{}.{}.m4s", epoch, msn, part);
}
std::string init_name(std::string_view epoch, uint32_t version) { return fmt::format("{}-init{}.mp4", epoch, version); }

std::string render_ts_playlist(const Segmenter& s, std::string_view epoch) {
  const auto& segs = s.segments();
  const size_t first = first_listed(s);
  if (first >= segs.size() || !segs[first].complete) return {};
  std::string out;
  header(out, s, first, 3);
  if (all_independent(s, first, false)) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (size_t i = first; i < segs.size() && segs[i].complete; ++i) {
    const auto& seg = segs[i];
    if (seg.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n#EXTINF:{:.3f},\n{}\n", iso8601(seg.program_date_time),
                       seconds(seg.duration), ts_segment_name(epoch, seg.msn));
  }
  return out;
}

std::string render_ll_playlist(const Segmenter& s, std::string_view epoch) {
  const auto& segs = s.segments();
  const size_t first = first_listed(s);
  if (first >= segs.size() || (!segs[first].complete && segs[first].parts.empty())) return {};
  const double part_target = seconds(s.options().part_target);
  std::string out;
  header(out, s, first, 9);
  // RFC 8216bis 4.4.3.7 / 4.4.3.8: blocking reload, and a hold-back of three parts.
  out += fmt::format("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={:.3f}\n", 3 * part_target);
  out += fmt::format("#EXT-X-PART-INF:PART-TARGET={:.3f}\n", part_target);
  if (all_independent(s, first, true)) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  uint32_t map = 0;
  const size_t parts_from = segs.size() > kSegmentsWithParts + 1 ? segs.size() - kSegmentsWithParts - 1 : 0;
  for (size_t i = first; i < segs.size(); ++i) {
    const auto& seg = segs[i];
    if (seg.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    if (seg.init_version != map) {
      map = seg.init_version;
      out += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", init_name(epoch, map));
    }
    out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso8601(seg.program_date_time));
    if (i >= parts_from) {
      for (size_t p = 0; p < seg.parts.size(); ++p)
        out += fmt::format("#EXT-X-PART:DURATION={:.3f},URI=\"{}\"{}\n", seconds(seg.parts[p].duration),
                           part_name(epoch, seg.msn, p), seg.parts[p].independent ? ",INDEPENDENT=YES" : "");
    }
    if (seg.complete)
      out += fmt::format("#EXTINF:{:.3f},\n{}\n", seconds(seg.duration), fmp4_segment_name(epoch, seg.msn));
  }
  // RFC 8216bis 4.4.5.3: the part being made, which a client may request (and we hold).
  if (s.live() && !segs.back().complete)
    out += fmt::format("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"\n",
                       part_name(epoch, segs.back().msn, segs.back().parts.size()));
  return out;
}

std::string render_multivariant_playlist(const Segmenter& s, std::string_view media_playlist) {
  // RFC 8216bis 4.4.6.2: BANDWIDTH is the peak segment bit rate, AVERAGE-BANDWIDTH the
  // mean, both of the media as delivered (the fMP4 parts, boxes included).
  double peak = 0, total_bits = 0, total_seconds = 0;
  for (const auto& seg : s.segments()) {
    if (!seg.complete || seg.duration <= 0) continue;
    size_t bytes = 0;
    for (const auto& part : seg.parts) bytes += part.bytes.size();
    const double bits = 8.0 * double(bytes), duration = seconds(seg.duration);
    peak = std::max(peak, bits / duration);
    total_bits += bits;
    total_seconds += duration;
  }
  if (total_seconds == 0 || s.codecs().empty()) return {};
  std::string out = "#EXTM3U\n";
  out += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\"", uint64_t(std::ceil(peak)),
                     uint64_t(std::ceil(total_bits / total_seconds)), s.codecs());
  if (const auto [width, height] = s.video_size(); width && height)
    out += fmt::format(",RESOLUTION={}x{}", width, height);
  out += fmt::format("\n{}\n", media_playlist);
  return out;
}

}  // namespace relaycast::hls
