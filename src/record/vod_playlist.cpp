#include "record/vod_playlist.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace relaycast::record {
namespace {

struct Range {
  uint64_t offset = 0, size = 0;
  int64_t duration = 0;
  bool independent = true;
};

}  // namespace

std::string vod_playlist(const fmp4::FileIndex& index, const VodPlaylistOptions& options) {
  // Fragments grouped into segments that start at keyframes; a segment with no
  // keyframe for three targets is cut anyway (its fragments still decode in order).
  std::vector<Range> segments;
  for (const auto& f : index.fragments) {
    const bool open_new = segments.empty() ||
                          (f.starts_with_keyframe && segments.back().duration >= options.segment_target) ||
                          segments.back().duration >= 3 * options.segment_target;
    if (open_new) {
      segments.push_back({f.offset, 0, 0, f.starts_with_keyframe});
    }
    segments.back().size = f.offset + f.size - segments.back().offset;
    segments.back().duration += f.duration;
  }
  std::erase_if(segments, [](const Range& r) { return r.duration <= 0; });

  int64_t longest = 0;
  for (const auto& s : segments) longest = std::max(longest, s.duration);
  const bool independent = std::all_of(segments.begin(), segments.end(), [](const Range& r) { return r.independent; });
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n";
  // RFC 8216bis 4.4.3.1: EXTINF rounded to the nearest integer must not exceed it.
  out += fmt::format("#EXT-X-TARGETDURATION:{}\n", std::max<int64_t>(1, std::lround(double(longest) / kTimebase)));
  out += fmt::format("#EXT-X-PLAYLIST-TYPE:{}\n#EXT-X-MEDIA-SEQUENCE:0\n", options.complete ? "VOD" : "EVENT");
  if (independent) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  out += fmt::format("#EXT-X-MAP:URI=\"{}\",BYTERANGE=\"{}@0\"\n", options.media_uri, index.init_size);
  for (const auto& s : segments) {
    out += fmt::format("#EXTINF:{:.3f},\n#EXT-X-BYTERANGE:{}@{}\n{}\n", double(s.duration) / kTimebase, s.size,
                       s.offset, options.media_uri);
  }
  if (options.complete) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace relaycast::record
