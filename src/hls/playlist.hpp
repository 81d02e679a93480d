#pragma once
// Media playlists (RFC 8216bis 4.4) rendered from a Segmenter's window.
#include <string>
#include <string_view>

#include "hls/segmenter.hpp"

namespace relaycast::hls {

// File names inside a stream's folder; `epoch` differs for every packager, so a name
// is never reused for other bytes and caches may keep segments forever.
std::string ts_segment_name(std::string_view epoch, uint64_t msn);
std::string fmp4_segment_name(std::string_view epoch, uint64_t msn);
std::string part_name(std::string_view epoch, uint64_t msn, size_t part);
std::string init_name(std::string_view epoch, uint32_t version);

// Classic HLS with MPEG-TS segments (complete segments only). Empty when there is no
// complete segment yet.
std::string render_ts_playlist(const Segmenter& s, std::string_view epoch);
// LL-HLS with fMP4 segments, partial segments, a preload hint and blocking reload.
// Empty when nothing has been packaged yet.
std::string render_ll_playlist(const Segmenter& s, std::string_view epoch);

// The multivariant playlist (RFC 8216bis 4.4.6): the LL-HLS playlist as its one
// variant, with what a player checks before it loads that (CODECS, RESOLUTION) and
// the bit rates measured over the complete segments in the window. Empty until there
// is a complete segment to measure.
std::string render_multivariant_playlist(const Segmenter& s, std::string_view media_playlist);

}  // namespace relaycast::hls
