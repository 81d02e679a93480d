#pragma once
// Making an AVCDecoderConfigurationRecord from parameter sets found in band, as an
// MPEG-TS demuxer does: Annex B streams carry SPS and PPS before keyframes, while
// RTMP/FLV and MP4 want them once, up front, in this record.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace relaycast::h264 {

// ISO/IEC 14496-15 5.3.3.1 AVCDecoderConfigurationRecord with 4-byte NAL unit lengths,
// one SPS and one PPS (whole NAL units, header byte included). The profile, its
// compatibility flags and the level are the SPS's bytes 1-3. Errors: an SPS shorter
// than 4 bytes (Errc::truncated), empty or over-long (64 KiB) parameter sets
// (Errc::malformed).
//
// The chroma/bit-depth extension that 5.3.3.1 adds for High profiles is left out, as
// FFmpeg's flvenc leaves it out: decoders take those values from the SPS.
Result<std::vector<uint8_t>> make_avc_decoder_config(std::span<const uint8_t> sps, std::span<const uint8_t> pps);

}  // namespace relaycast::h264
