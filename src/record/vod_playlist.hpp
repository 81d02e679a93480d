#pragma once
// A recording as an HLS playlist (RFC 8216bis) over byte ranges of the file itself:
// the init part is the EXT-X-MAP, each media segment one or more fragments. Nothing is
// copied or cut: players fetch ranges of the .mp4.
#include <string>

#include "format/fmp4_file_index.hpp"

namespace relaycast::record {

struct VodPlaylistOptions {
  std::string media_uri;         // of the .mp4, relative to the playlist
  int64_t segment_target = 0;    // kTimebase; segments start at the first keyframe past it
  bool complete = true;          // false while recording: EVENT, no ENDLIST yet
};

std::string vod_playlist(const fmp4::FileIndex& index, const VodPlaylistOptions& options);

}  // namespace relaycast::record
