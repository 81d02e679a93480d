#pragma once
// Sample entries (the stsd contents) that tell a decoder how to start: avc1 + avcC for
// H.264, hvc1 + hvcC for HEVC, mp4a + esds for AAC.
#include <cstdint>
#include <vector>

#include "format/fmp4_track.hpp"

namespace relaycast::fmp4 {

// Appends the track's sample entry box. `details` is describe_track(track).
void write_sample_entry(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details);

}  // namespace relaycast::fmp4
