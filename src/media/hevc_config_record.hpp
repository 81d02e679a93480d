#pragma once
// The HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1): what the Enhanced RTMP
// 'hvc1' sequence start and the MP4 hvcC box carry, read and made from parameter sets
// found in band (an MPEG-TS publish repeats VPS/SPS/PPS before its IRAP pictures).
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/hevc.hpp"

namespace relaycast::hevc {

struct HevcDecoderConfig {
  ProfileTierLevel ptl;
  uint8_t chroma_format_idc = 1;
  uint8_t bit_depth_luma = 8;
  uint8_t bit_depth_chroma = 8;
  int nalu_length_size = 4;  // bytes in each NAL unit length prefix of the samples
  // Parameter sets are copied out: they are a few dozen bytes, once per stream. NAL
  // units of other types in the record (SEI) are left out: decoders need only these.
  std::vector<std::vector<uint8_t>> vps;
  std::vector<std::vector<uint8_t>> sps;
  std::vector<std::vector<uint8_t>> pps;
};

// Parses a record. Errors: shorter than its 23-byte header or an array cut short
// (Errc::truncated), configurationVersion other than 1, a NAL unit whose type is not
// the one of its array (Errc::malformed).
Result<HevcDecoderConfig> parse_hevc_decoder_config(std::span<const uint8_t> record);

// A record with 4-byte NAL unit lengths and one VPS, SPS and PPS (whole NAL units,
// header included), its profile/tier/level, chroma format and bit depths from the SPS.
// Errors: an SPS that does not parse, empty or over-long (64 KiB) parameter sets, or a
// NAL unit of the wrong type in a slot (Errc::malformed / truncated).
Result<std::vector<uint8_t>> make_hevc_decoder_config(std::span<const uint8_t> vps, std::span<const uint8_t> sps,
                                                      std::span<const uint8_t> pps);

}  // namespace relaycast::hevc
