#pragma once
// HEVC (ITU-T H.265) bitstream parsing: what a server needs to know about an HEVC
// track without decoding it (profile, tier, level, chroma, bit depth, size), and the
// NAL unit types that decide keyframes and parameter sets.
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/error.hpp"

namespace relaycast::hevc {

// nal_unit_type values (ITU-T H.265 Table 7-1) that the server looks at.
enum class NalType : uint8_t {
  bla_w_lp = 16,  // first IRAP type
  crae = 23,      // last type of the IRAP range (RSV_IRAP_VCL23)
  vps = 32,
  sps = 33,
  pps = 34,
  aud = 35,
  eos = 36,
  eob = 37,
  filler = 38,
  prefix_sei = 39,
  suffix_sei = 40,
};

// 7.3.1.2 nal_unit_header: forbidden_zero_bit u(1), nal_unit_type u(6),
// nuh_layer_id u(6), nuh_temporal_id_plus1 u(3). Two bytes, where H.264 has one.
inline constexpr size_t kNalHeaderSize = 2;
inline uint8_t nal_type(uint8_t first_header_byte) { return (first_header_byte >> 1) & 0x3f; }
// An intra random access point picture (BLA, IDR, CRA; 7.4.2.2): a decoder can start
// here, so it is what a keyframe is for HEVC.
inline bool is_irap(uint8_t type) { return type >= uint8_t(NalType::bla_w_lp) && type <= uint8_t(NalType::crae); }
inline bool is_parameter_set(uint8_t type) {
  return type == uint8_t(NalType::vps) || type == uint8_t(NalType::sps) || type == uint8_t(NalType::pps);
}

// 7.3.3 profile_tier_level(1, ...): the general part, which the hvcC record and the
// RFC 6381 codecs string repeat.
struct ProfileTierLevel {
  uint8_t profile_space = 0;
  bool tier = false;  // false Main tier, true High tier
  uint8_t profile_idc = 0;
  uint32_t compatibility_flags = 0;  // general_profile_compatibility_flag[0] in the MSB
  // general_progressive_source_flag .. general_reserved_zero_43bits/inbld: 48 bits, as
  // the hvcC record stores them (the first flag in the MSB of byte 0).
  std::array<uint8_t, 6> constraint_flags{};
  uint8_t level_idc = 0;  // 30 x the level number: 93 is level 3.1
};

struct Sps {
  uint8_t video_parameter_set_id = 0;
  uint8_t max_sub_layers = 1;
  bool temporal_id_nesting = false;
  ProfileTierLevel ptl;
  uint32_t seq_parameter_set_id = 0;
  uint32_t chroma_format_idc = 1;  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane = false;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  // Displayed size: the coded luma samples minus the conformance window.
  uint32_t width = 0;
  uint32_t height = 0;
};

// 7.3.2.2.1 seq_parameter_set_rbsp, read up to the bit depths: everything after them
// (reference picture sets, VUI) is not needed for what the server shows and carries.
// `nal` is the whole NAL unit, its 2-byte header included, with its emulation
// prevention bytes. A NAL unit that ends before the bit depths is Errc::truncated;
// values the spec does not allow are Errc::malformed.
Result<Sps> parse_sps(std::span<const uint8_t> nal);

// "HEVC Main@L3.1 320x240" ("Main 10", "Main 4:4:4", "profile 9" for the rest).
std::string describe(const Sps& sps);
std::string profile_name(uint8_t profile_idc);
// RFC 6381 codecs parameter as ISO/IEC 14496-15 E.3 defines it for HEVC, for HLS
// playlists and MSE: "hvc1.1.6.L93.B0" (profile space and idc, compatibility flags
// bit-reversed in hex, tier and level, constraint bytes without trailing zero bytes).
std::string codec_string(const ProfileTierLevel& ptl);

}  // namespace relaycast::hevc
