#pragma once
// The table of contents of a fragmented MP4 file (ISO/IEC 14496-12 8.8): where the
// initialization part ends, and each movie fragment's byte range, start time,
// duration and whether it starts with a sync sample. A recording is served as HLS by
// byte ranges from this index (no copy), and a torn tail (a crash while a fragment was
// being written) is found and cut off with it.
//
// Reads only box headers and the small moov/moof boxes; mdat payloads are never
// touched, so indexing a memory-mapped file of gigabytes loads a few pages per
// fragment. Hostile input gives an error or a shorter index, never a read out of
// bounds.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/media_packet.hpp"

namespace relaycast::fmp4 {

struct IndexedTrack {
  uint32_t track_id = 0;
  uint32_t timescale = 0;
  TrackKind kind = TrackKind::video;  // from the handler: 'vide' or 'soun' (others: data)
  uint32_t default_sample_duration = 0;  // trex
  uint32_t default_sample_flags = 0;     // trex
};

struct IndexedFragment {
  uint64_t offset = 0;  // of the moof
  uint64_t size = 0;    // moof, its mdat and anything else up to the next moof
  // Of the reference track (the video track, else the first one), in kTimebase ticks.
  int64_t start = 0;
  int64_t duration = 0;
  bool starts_with_keyframe = false;
};

// A fragment longer than this is refused (a recording's are at most record.fragment_ms),
// as is a file whose fragments add up to more than ~3000 years: sums of the
// fragments' times then never overflow.
inline constexpr int64_t kMaxFragmentTicks = kTimebase * 86400;  // a day

struct FileIndex {
  uint64_t init_size = 0;  // ftyp + moov: everything before the first fragment
  std::vector<IndexedTrack> tracks;
  std::vector<IndexedFragment> fragments;
  // Bytes up to the end of the last complete fragment (or of the moov): what a repair
  // keeps. Less than the file's size when its tail was torn.
  uint64_t complete_size = 0;
  int64_t duration() const;  // sum of the fragments', kTimebase ticks
};

// Errors (Errc::malformed or truncated): no moov before the first fragment, a moov
// without a usable track, a box whose size runs outside its parent, a fragment whose
// start or duration is out of range (kMaxFragmentTicks). A torn or
// malformed fragment at the end ends the index there (complete_size says where).
Result<FileIndex> index_fragmented_mp4(std::span<const uint8_t> file);

}  // namespace relaycast::fmp4
