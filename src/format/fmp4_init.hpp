#pragma once
// The fMP4/CMAF initialization segment (ISO/IEC 14496-12 8.8.1, CMAF 7.3.1): ftyp and a
// moov that describes the tracks but holds no samples; the samples come in fragments
// (fmp4_fragment.hpp). An HLS playlist names it in EXT-X-MAP.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "format/fmp4_track.hpp"

namespace relaycast::fmp4 {

// ftyp + moov (mvhd, a trak per track in the given order, mvex with a trex per track).
// Errors: check_tracks() and describe_track() ones, with the failing track named.
Result<std::vector<uint8_t>> make_init_segment(std::span<const TrackInfo> tracks);

}  // namespace relaycast::fmp4
