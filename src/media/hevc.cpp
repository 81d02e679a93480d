#include "media/hevc.hpp"

#include <bit>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "media/bit_reader.hpp"
#include "media/h264.hpp"

namespace relaycast::hevc {
namespace {

// The longest side any level allows (A.4.1: Sqrt(MaxLumaPs * 8) at level 6.2, where
// MaxLumaPs is 35 651 584). Anything bigger is not a stream we could be sent, and keeps
// the size arithmetic far from overflow.
constexpr uint32_t kMaxSide = 16888;

std::unexpected<Error> out_of_range(std::string_view field, int64_t value, int64_t max) {
  return fail(Errc::malformed, "hevc sps: {} is {}, over the limit of {}", field, value, max);
}

// 7.3.3 profile_tier_level(profilePresentFlag = 1, maxNumSubLayersMinus1):
//   general_profile_space u(2), general_tier_flag u(1), general_profile_idc u(5),
//   general_profile_compatibility_flag[32] u(1) each,
//   general_progressive_source_flag .. general_inbld_flag/reserved: 48 bits,
//   general_level_idc u(8),
//   sub_layer_profile_present_flag / sub_layer_level_present_flag u(1) per sub-layer,
//   reserved_zero_2bits up to 8 when there are sub-layers,
//   per sub-layer: 88 bits of profile if present, 8 bits of level if present.
ProfileTierLevel read_profile_tier_level(BitReader& r, uint32_t max_sub_layers_minus1) {
  ProfileTierLevel ptl;
  ptl.profile_space = uint8_t(r.u(2));
  ptl.tier = r.flag();
  ptl.profile_idc = uint8_t(r.u(5));
  ptl.compatibility_flags = r.u(32);
  for (auto& byte : ptl.constraint_flags) byte = uint8_t(r.u(8));
  ptl.level_idc = uint8_t(r.u(8));
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = r.flag();
    level_present[i] = r.flag();
  }
  if (max_sub_layers_minus1 > 0) r.skip(2 * (8 - max_sub_layers_minus1));
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) r.skip(88);
    if (level_present[i]) r.skip(8);
  }
  return ptl;
}

std::string level_name(const ProfileTierLevel& ptl) {
  const int major = ptl.level_idc / 30;
  const int minor = ptl.level_idc % 30 / 3;
  return minor == 0 ? fmt::format("{}{}", ptl.tier ? 'H' : 'L', major)
                    : fmt::format("{}{}.{}", ptl.tier ? 'H' : 'L', major, minor);
}

}  // namespace

// ITU-T H.265 7.3.2.2.1 seq_parameter_set_rbsp(), up to the bit depths:
//   sps_video_parameter_set_id u(4), sps_max_sub_layers_minus1 u(3),
//   sps_temporal_id_nesting_flag u(1), profile_tier_level(1, sps_max_sub_layers_minus1),
//   sps_seq_parameter_set_id ue(v), chroma_format_idc ue(v),
//   [separate_colour_plane_flag u(1) if chroma_format_idc == 3],
//   pic_width_in_luma_samples ue(v), pic_height_in_luma_samples ue(v),
//   conformance_window_flag u(1), [conf_win_left/right/top/bottom_offset ue(v)],
//   bit_depth_luma_minus8 ue(v), bit_depth_chroma_minus8 ue(v), ...
Result<Sps> parse_sps(std::span<const uint8_t> nal) {
  if (nal.size() < kNalHeaderSize) return fail(Errc::truncated, "hevc sps: NAL unit of {} bytes", nal.size());
  if ((nal[0] & 0x80) != 0 || nal_type(nal[0]) != uint8_t(NalType::sps)) {
    return fail(Errc::malformed, "hevc sps: NAL header {:#04x} is not a sequence parameter set", nal[0]);
  }
  const std::vector<uint8_t> rbsp = h264::remove_emulation_prevention(nal.subspan(kNalHeaderSize));
  BitReader r(rbsp);
  Sps sps;
  sps.video_parameter_set_id = uint8_t(r.u(4));
  const uint32_t max_sub_layers_minus1 = r.u(3);
  if (max_sub_layers_minus1 > 6) return out_of_range("sps_max_sub_layers_minus1", max_sub_layers_minus1, 6);
  sps.max_sub_layers = uint8_t(max_sub_layers_minus1 + 1);
  sps.temporal_id_nesting = r.flag();
  sps.ptl = read_profile_tier_level(r, max_sub_layers_minus1);
  sps.seq_parameter_set_id = r.ue();
  if (sps.seq_parameter_set_id > 15) return out_of_range("sps_seq_parameter_set_id", sps.seq_parameter_set_id, 15);
  sps.chroma_format_idc = r.ue();
  if (sps.chroma_format_idc > 3) return out_of_range("chroma_format_idc", sps.chroma_format_idc, 3);
  if (sps.chroma_format_idc == 3) sps.separate_colour_plane = r.flag();
  const uint32_t coded_width = r.ue();
  const uint32_t coded_height = r.ue();
  uint32_t window[4] = {0, 0, 0, 0};  // left, right, top, bottom
  if (r.flag()) {                      // conformance_window_flag
    for (auto& offset : window) offset = r.ue();
  }
  const uint32_t luma_minus8 = r.ue();
  const uint32_t chroma_minus8 = r.ue();
  if (!r.ok()) {
    if (r.error() == BitError::malformed)
      return fail(Errc::malformed, "hevc sps: Exp-Golomb code with more than 31 leading zeros");
    return fail(Errc::truncated, "hevc sps: ends before the bit depths ({} bytes)", nal.size());
  }
  if (coded_width == 0 || coded_width > kMaxSide) return out_of_range("pic_width_in_luma_samples", coded_width, kMaxSide);
  if (coded_height == 0 || coded_height > kMaxSide)
    return out_of_range("pic_height_in_luma_samples", coded_height, kMaxSide);
  if (luma_minus8 > 8) return out_of_range("bit_depth_luma_minus8", luma_minus8, 8);
  if (chroma_minus8 > 8) return out_of_range("bit_depth_chroma_minus8", chroma_minus8, 8);
  sps.bit_depth_luma = 8 + luma_minus8;
  sps.bit_depth_chroma = 8 + chroma_minus8;

  // 7.4.3.2.1 conformance window, in units of chroma samples (Table 6-1 SubWidthC,
  // SubHeightC); separate colour planes are coded as monochrome pictures.
  const uint32_t chroma = sps.separate_colour_plane ? 0 : sps.chroma_format_idc;
  const uint64_t sub_width = chroma == 1 || chroma == 2 ? 2 : 1;
  const uint64_t sub_height = chroma == 1 ? 2 : 1;
  const uint64_t crop_x = sub_width * (uint64_t(window[0]) + window[1]);
  const uint64_t crop_y = sub_height * (uint64_t(window[2]) + window[3]);
  if (crop_x >= coded_width || crop_y >= coded_height) {
    return fail(Errc::malformed, "hevc sps: conformance window {}x{} leaves nothing of the {}x{} coded picture",
                crop_x, crop_y, coded_width, coded_height);
  }
  sps.width = uint32_t(coded_width - crop_x);
  sps.height = uint32_t(coded_height - crop_y);
  return sps;
}

std::string profile_name(uint8_t profile_idc) {
  // A.3: general_profile_idc values.
  switch (profile_idc) {
    case 1: return "Main";
    case 2: return "Main 10";
    case 3: return "Main Still Picture";
    case 4: return "Range Extensions";
    case 5: return "High Throughput";
    case 9: return "Screen Content";
    default: return fmt::format("profile {}", profile_idc);
  }
}

std::string describe(const Sps& sps) {
  return fmt::format("HEVC {}@{} {}x{}", profile_name(sps.ptl.profile_idc), level_name(sps.ptl), sps.width,
                     sps.height);
}

// ISO/IEC 14496-15 E.3: the codecs parameter of 'hvc1'/'hev1' sample entries is
//   hvc1.[A|B|C]<general_profile_idc>.<general_profile_compatibility_flags, bits in
//   reverse order, hex without leading zeros>.<L|H><general_level_idc>
//   then each of the 6 constraint bytes in hex, dot-separated, trailing zero bytes
//   left out.
std::string codec_string(const ProfileTierLevel& ptl) {
  std::string out = "hvc1.";
  if (ptl.profile_space > 0) out += char('A' + ptl.profile_space - 1);
  uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i)
    if (ptl.compatibility_flags & (uint32_t(1) << (31 - i))) reversed |= uint32_t(1) << i;
  out += fmt::format("{}.{:X}.{}{}", ptl.profile_idc, reversed, ptl.tier ? 'H' : 'L', ptl.level_idc);
  size_t last = ptl.constraint_flags.size();
  while (last > 0 && ptl.constraint_flags[last - 1] == 0) --last;
  for (size_t i = 0; i < last; ++i) out += fmt::format(".{:X}", ptl.constraint_flags[i]);
  return out;
}

}  // namespace relaycast::hevc
