#include "media/h264.hpp"

#include <string_view>

#include <fmt/format.h>

#include "core/byte_io.hpp"
#include "media/bit_reader.hpp"

namespace relaycast::h264 {
namespace {

// The largest frame any level allows (Table A-1, level 6.2 MaxFS = 139264 macroblocks)
// and the longest side it permits (A.3.1: PicWidthInMbs <= Sqrt(MaxFS * 8)). Anything
// bigger is not a stream we could be sent, and keeps the size arithmetic far from
// overflow.
constexpr uint64_t kMaxFrameMbs = 139264;
constexpr uint64_t kMaxSideMbs = 1055;

std::unexpected<Error> out_of_range(std::string_view field, int64_t value, int64_t max) {
  return fail(Errc::malformed, "sps: {} is {}, over the limit of {}", field, value, max);
}

std::unexpected<Error> reader_error(const BitReader& r, std::string_view what) {
  if (r.error() == BitError::malformed) {
    return fail(Errc::malformed, "{}: Exp-Golomb code with more than 31 leading zeros", what);
  }
  return fail(Errc::truncated, "{}: ends inside the structure", what);
}

// 7.3.2.1.1.1 scaling_list(): only skipped, but every delta has to be read to know
// where the list ends (a delta that makes nextScale 0 ends it early).
Result<void> skip_scaling_list(BitReader& r, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size && next_scale != 0; ++j) {
    const int32_t delta_scale = r.se();
    if (delta_scale < -128 || delta_scale > 127) {
      return out_of_range("delta_scale", delta_scale, 127);
    }
    next_scale = (last_scale + delta_scale + 256) % 256;
    if (next_scale != 0) last_scale = next_scale;
  }
  return {};
}

// E.1.2 hrd_parameters(): nothing in it is used, it is read only to reach the fields
// after it.
Result<void> skip_hrd_parameters(BitReader& r) {
  const uint32_t cpb_cnt_minus1 = r.ue();
  if (cpb_cnt_minus1 > 31) return out_of_range("cpb_cnt_minus1", cpb_cnt_minus1, 31);
  r.skip(4 + 4);  // bit_rate_scale, cpb_size_scale
  for (uint32_t i = 0; i <= cpb_cnt_minus1; ++i) {
    r.ue();  // bit_rate_value_minus1
    r.ue();  // cpb_size_value_minus1
    r.skip(1);  // cbr_flag
  }
  // initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_minus1,
  // dpb_output_delay_length_minus1, time_offset_length
  r.skip(5 + 5 + 5 + 5);
  return {};
}

// E.1.1 vui_parameters(). Read to its end, so that the trailing bits after it can
// tell a whole SPS from a cut one.
Result<void> parse_vui(BitReader& r, Sps& sps) {
  if (r.flag()) {  // aspect_ratio_info_present_flag
    constexpr uint32_t kExtendedSar = 255;
    if (r.u(8) == kExtendedSar) r.skip(16 + 16);  // sar_width, sar_height
  }
  if (r.flag()) r.skip(1);  // overscan_info_present_flag, overscan_appropriate_flag
  if (r.flag()) {           // video_signal_type_present_flag
    r.skip(3 + 1);          // video_format, video_full_range_flag
    if (r.flag()) r.skip(8 + 8 + 8);  // colour_primaries, transfer, matrix
  }
  if (r.flag()) {  // chroma_loc_info_present_flag
    r.ue();        // chroma_sample_loc_type_top_field
    r.ue();        // chroma_sample_loc_type_bottom_field
  }
  if (r.flag()) {  // timing_info_present_flag
    sps.num_units_in_tick = r.u(32);
    sps.time_scale = r.u(32);
    sps.fixed_frame_rate = r.flag();
  }
  const bool nal_hrd = r.flag();
  if (nal_hrd) {
    if (auto ok = skip_hrd_parameters(r); !ok) return ok;
  }
  const bool vcl_hrd = r.flag();
  if (vcl_hrd) {
    if (auto ok = skip_hrd_parameters(r); !ok) return ok;
  }
  if (nal_hrd || vcl_hrd) r.skip(1);  // low_delay_hrd_flag
  r.skip(1);                          // pic_struct_present_flag
  if (r.flag()) {                     // bitstream_restriction_flag
    r.skip(1);  // motion_vectors_over_pic_boundaries_flag
    // max_bytes_per_pic_denom, max_bits_per_mb_denom, log2_max_mv_length_horizontal,
    // log2_max_mv_length_vertical, max_num_reorder_frames, max_dec_frame_buffering
    for (int i = 0; i < 6; ++i) r.ue();
  }
  return {};
}

// The profiles whose SPS carries chroma_format_idc, bit depths and scaling lists
// (the condition in 7.3.2.1.1).
bool has_chroma_format(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86:
    case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}

// Frame size and cropping (7.4.2.1.1, equations 7-13 to 7-22): the coded size is whole
// macroblocks; the crop offsets count in chroma sample units, doubled vertically
// when the frame is coded as two fields.
Result<void> set_size(Sps& sps, uint64_t width_mbs, uint64_t height_map_units, uint64_t crop_left,
                      uint64_t crop_right, uint64_t crop_top, uint64_t crop_bottom) {
  const uint64_t height_mbs = (sps.frame_mbs_only ? 1 : 2) * height_map_units;
  if (width_mbs > kMaxSideMbs) return out_of_range("PicWidthInMbs", int64_t(width_mbs), kMaxSideMbs);
  if (height_mbs > kMaxSideMbs) {
    return out_of_range("FrameHeightInMbs", int64_t(height_mbs), kMaxSideMbs);
  }
  if (width_mbs * height_mbs > kMaxFrameMbs) {
    return out_of_range("frame size in macroblocks", int64_t(width_mbs * height_mbs), kMaxFrameMbs);
  }
  const uint32_t chroma_array_type = sps.separate_colour_plane ? 0 : sps.chroma_format_idc;
  uint64_t crop_unit_x = 1;
  uint64_t crop_unit_y = sps.frame_mbs_only ? 1 : 2;
  if (chroma_array_type != 0) {
    const uint64_t sub_width_c = chroma_array_type == 3 ? 1 : 2;
    const uint64_t sub_height_c = chroma_array_type == 1 ? 2 : 1;
    crop_unit_x = sub_width_c;
    crop_unit_y *= sub_height_c;
  }
  const uint64_t coded_width = width_mbs * 16;
  const uint64_t coded_height = height_mbs * 16;
  const uint64_t crop_x = (crop_left + crop_right) * crop_unit_x;
  const uint64_t crop_y = (crop_top + crop_bottom) * crop_unit_y;
  if (crop_x >= coded_width || crop_y >= coded_height) {
    return fail(Errc::malformed, "sps: cropping {}x{} leaves nothing of the {}x{} coded frame",
                crop_x, crop_y, coded_width, coded_height);
  }
  sps.width = uint32_t(coded_width - crop_x);
  sps.height = uint32_t(coded_height - crop_y);
  return {};
}

std::string level_name(const Sps& sps) {
  // Level 1b is level_idc 9, or 11 with constraint_set3_flag in the profiles that
  // predate level_idc 9 (A.3.1, A.3.2).
  const bool old_profile = sps.profile_idc == 66 || sps.profile_idc == 77 || sps.profile_idc == 88;
  if (sps.level_idc == 9 || (sps.level_idc == 11 && old_profile && sps.constraint_set(3))) return "1b";
  return fmt::format("{}.{}", sps.level_idc / 10, sps.level_idc % 10);
}

}  // namespace

std::vector<uint8_t> remove_emulation_prevention(std::span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (uint8_t byte : nal) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;
      continue;
    }
    rbsp.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return rbsp;
}

std::optional<double> Sps::frame_rate() const {
  if (num_units_in_tick == 0 || time_scale == 0) return std::nullopt;
  return double(time_scale) / (2.0 * double(num_units_in_tick));
}

// ITU-T H.264 7.3.2.1.1 seq_parameter_set_data()
//   profile_idc u(8), constraint_set0..5_flag + reserved_zero_2bits u(8), level_idc u(8)
//   seq_parameter_set_id ue(v)
//   if (high profiles) chroma_format_idc ue(v), [separate_colour_plane_flag u(1)],
//     bit_depth_luma_minus8 ue(v), bit_depth_chroma_minus8 ue(v),
//     qpprime_y_zero_transform_bypass_flag u(1), seq_scaling_matrix_present_flag u(1),
//     [seq_scaling_list_present_flag[i] u(1), scaling_list() ...]
//   log2_max_frame_num_minus4 ue(v), pic_order_cnt_type ue(v), [poc fields]
//   max_num_ref_frames ue(v), gaps_in_frame_num_value_allowed_flag u(1)
//   pic_width_in_mbs_minus1 ue(v), pic_height_in_map_units_minus1 ue(v)
//   frame_mbs_only_flag u(1), [mb_adaptive_frame_field_flag u(1)]
//   direct_8x8_inference_flag u(1), frame_cropping_flag u(1), [4 x ue(v) offsets]
//   vui_parameters_present_flag u(1), [vui_parameters()]
// followed by rbsp_trailing_bits() (7.3.2.11).
Result<Sps> parse_sps(std::span<const uint8_t> nal) {
  if (nal.empty()) return fail(Errc::truncated, "sps: empty NAL unit");
  if ((nal[0] & 0x80) != 0 || nal_type(nal[0]) != uint8_t(NalType::sps)) {
    return fail(Errc::malformed, "sps: NAL header {:#04x} is not a sequence parameter set", nal[0]);
  }
  const std::vector<uint8_t> rbsp = remove_emulation_prevention(nal.subspan(1));
  BitReader r(rbsp);
  Sps sps;
  sps.profile_idc = uint8_t(r.u(8));
  sps.constraint_flags = uint8_t(r.u(8));
  sps.level_idc = uint8_t(r.u(8));
  sps.seq_parameter_set_id = r.ue();
  if (sps.seq_parameter_set_id > 31) {
    return out_of_range("seq_parameter_set_id", sps.seq_parameter_set_id, 31);
  }

  if (has_chroma_format(sps.profile_idc)) {
    sps.chroma_format_idc = r.ue();
    if (sps.chroma_format_idc > 3) return out_of_range("chroma_format_idc", sps.chroma_format_idc, 3);
    if (sps.chroma_format_idc == 3) sps.separate_colour_plane = r.flag();
    const uint32_t luma_minus8 = r.ue();
    const uint32_t chroma_minus8 = r.ue();
    if (luma_minus8 > 6) return out_of_range("bit_depth_luma_minus8", luma_minus8, 6);
    if (chroma_minus8 > 6) return out_of_range("bit_depth_chroma_minus8", chroma_minus8, 6);
    sps.bit_depth_luma = 8 + luma_minus8;
    sps.bit_depth_chroma = 8 + chroma_minus8;
    r.skip(1);  // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {  // seq_scaling_matrix_present_flag
      const int lists = sps.chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        if (!r.flag()) continue;  // seq_scaling_list_present_flag[i]
        if (auto ok = skip_scaling_list(r, i < 6 ? 16 : 64); !ok) return std::unexpected(ok.error());
      }
    }
  }

  const uint32_t log2_max_frame_num_minus4 = r.ue();
  if (log2_max_frame_num_minus4 > 12) {
    return out_of_range("log2_max_frame_num_minus4", log2_max_frame_num_minus4, 12);
  }
  sps.log2_max_frame_num = log2_max_frame_num_minus4 + 4;
  sps.pic_order_cnt_type = r.ue();
  if (sps.pic_order_cnt_type == 0) {
    const uint32_t lsb_minus4 = r.ue();
    if (lsb_minus4 > 12) return out_of_range("log2_max_pic_order_cnt_lsb_minus4", lsb_minus4, 12);
    sps.log2_max_pic_order_cnt_lsb = lsb_minus4 + 4;
  } else if (sps.pic_order_cnt_type == 1) {
    r.skip(1);  // delta_pic_order_always_zero_flag
    r.se();     // offset_for_non_ref_pic
    r.se();     // offset_for_top_to_bottom_field
    const uint32_t cycle = r.ue();
    if (cycle > 255) return out_of_range("num_ref_frames_in_pic_order_cnt_cycle", cycle, 255);
    for (uint32_t i = 0; i < cycle; ++i) r.se();  // offset_for_ref_frame[i]
  } else if (sps.pic_order_cnt_type > 2) {
    return out_of_range("pic_order_cnt_type", sps.pic_order_cnt_type, 2);
  }

  // MaxDpbFrames is at most 16 at every level (A.3.1 h).
  sps.max_num_ref_frames = r.ue();
  if (sps.max_num_ref_frames > 16) return out_of_range("max_num_ref_frames", sps.max_num_ref_frames, 16);
  r.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const uint64_t width_mbs = uint64_t(r.ue()) + 1;
  const uint64_t height_map_units = uint64_t(r.ue()) + 1;
  sps.frame_mbs_only = r.flag();
  if (!sps.frame_mbs_only) r.skip(1);  // mb_adaptive_frame_field_flag
  r.skip(1);                           // direct_8x8_inference_flag
  uint64_t crop[4] = {0, 0, 0, 0};     // left, right, top, bottom
  if (r.flag()) {                      // frame_cropping_flag
    for (auto& offset : crop) offset = r.ue();
  }
  if (auto ok = set_size(sps, width_mbs, height_map_units, crop[0], crop[1], crop[2], crop[3]); !ok) {
    return std::unexpected(ok.error());
  }
  if (r.flag()) {  // vui_parameters_present_flag
    if (auto ok = parse_vui(r, sps); !ok) return std::unexpected(ok.error());
  }
  // rbsp_stop_one_bit. Whatever follows it is alignment zeros, so it is not checked.
  const bool stop_bit = r.flag();
  if (!r.ok()) return reader_error(r, "sps");
  if (!stop_bit) return fail(Errc::malformed, "sps: no rbsp_stop_one_bit after the last field");
  return sps;
}

std::string profile_name(uint8_t profile_idc, uint8_t constraint_flags) {
  auto set = [&](int i) { return ((constraint_flags >> (7 - i)) & 1) != 0; };
  switch (profile_idc) {
    case 66: return set(1) ? "Constrained Baseline" : "Baseline";
    case 77: return "Main";
    case 88: return "Extended";
    case 100:
      if (set(4) && set(5)) return "Constrained High";
      return set(4) ? "Progressive High" : "High";
    case 110:
      if (set(3)) return "High 10 Intra";
      return set(4) ? "Progressive High 10" : "High 10";
    case 122: return set(3) ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244: return set(3) ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44: return "CAVLC 4:4:4 Intra";
    case 83: return "Scalable Baseline";
    case 86: return "Scalable High";
    case 118: return "Multiview High";
    case 128: return "Stereo High";
    default: return fmt::format("profile {}", profile_idc);
  }
}

std::string describe(const Sps& sps) {
  return fmt::format("H.264 {}@{} {}x{}", profile_name(sps.profile_idc, sps.constraint_flags),
                     level_name(sps), sps.width, sps.height);
}

std::string codec_string(const Sps& sps) {
  return fmt::format("avc1.{:02x}{:02x}{:02x}", sps.profile_idc, sps.constraint_flags, sps.level_idc);
}

namespace {

// One parameter set of the record: a u(16) length, then the NAL unit, whose type is
// checked so a shifted or corrupt record does not pass as a good one.
Result<std::vector<uint8_t>> read_parameter_set(ByteReader& r, NalType expected, std::string_view what) {
  const auto length = r.u16be();
  if (!length) return fail(Errc::truncated, "avcC: {} length cut short", what);
  const auto nal = r.bytes(*length);
  if (!nal) return fail(Errc::truncated, "avcC: {} of {} bytes, {} left", what, *length, r.remaining());
  if (nal->empty() || nal_type((*nal)[0]) != uint8_t(expected)) {
    return fail(Errc::malformed, "avcC: {} is not a NAL unit of type {}", what, int(expected));
  }
  return std::vector<uint8_t>(nal->begin(), nal->end());
}

}  // namespace

// ISO/IEC 14496-15 5.3.3.1.2 AVCDecoderConfigurationRecord
//   configurationVersion u(8) = 1, AVCProfileIndication u(8), profile_compatibility u(8),
//   AVCLevelIndication u(8), reserved '111111'b + lengthSizeMinusOne u(2),
//   reserved '111'b + numOfSequenceParameterSets u(5), { u(16) length, SPS NAL unit }...,
//   numOfPictureParameterSets u(8), { u(16) length, PPS NAL unit }...,
//   if profile is 100, 110, 122 or 144: reserved '111111'b + chroma_format u(2),
//     reserved '11111'b + bit_depth_luma_minus8 u(3), '11111'b + bit_depth_chroma_minus8
//     u(3), numOfSequenceParameterSetExt u(8), { u(16) length, SPS extension NAL }...
// Many muxers (older FFmpeg among them) leave out the high-profile tail, so it is
// read only when present. Reserved bits are not checked, as no decoder checks them.
Result<AvcDecoderConfig> parse_avc_decoder_config(std::span<const uint8_t> record) {
  ByteReader r(record);
  AvcDecoderConfig config;
  const auto version = r.u8();
  const auto profile = r.u8();
  const auto compatibility = r.u8();
  const auto level = r.u8();
  const auto length_size = r.u8();
  const auto sps_count = r.u8();
  if (!sps_count) return fail(Errc::truncated, "avcC: {} bytes, shorter than the header", record.size());
  if (*version != 1) return fail(Errc::malformed, "avcC: configurationVersion {}, not 1", *version);
  config.profile = *profile;
  config.compatibility = *compatibility;
  config.level = *level;
  // The spec allows only 1, 2 and 4; 3 is accepted since every length reader here
  // handles it.
  config.nalu_length_size = (*length_size & 0x03) + 1;

  for (int i = 0; i < (*sps_count & 0x1f); ++i) {
    auto sps = read_parameter_set(r, NalType::sps, "SPS");
    if (!sps) return std::unexpected(sps.error());
    config.sps.push_back(std::move(*sps));
  }
  const auto pps_count = r.u8();
  if (!pps_count) return fail(Errc::truncated, "avcC: numOfPictureParameterSets missing");
  for (int i = 0; i < *pps_count; ++i) {
    auto pps = read_parameter_set(r, NalType::pps, "PPS");
    if (!pps) return std::unexpected(pps.error());
    config.pps.push_back(std::move(*pps));
  }

  const bool has_tail = config.profile == 100 || config.profile == 110 || config.profile == 122 ||
                        config.profile == 144;
  if (has_tail && !r.empty()) {
    if (!r.skip(3)) return fail(Errc::truncated, "avcC: high-profile extension cut short");
    const auto ext_count = r.u8();
    if (!ext_count) return fail(Errc::truncated, "avcC: numOfSequenceParameterSetExt missing");
    constexpr auto kSpsExtension = NalType(13);
    for (int i = 0; i < *ext_count; ++i) {
      if (auto ext = read_parameter_set(r, kSpsExtension, "SPS extension"); !ext) {
        return std::unexpected(ext.error());
      }
    }
  }
  return config;
}

Result<void> check_avcc(std::span<const uint8_t> avcc, int length_size) {
  if (length_size < 1 || length_size > 4) {
    return fail(Errc::malformed, "avcc: NAL unit length size {} is not 1 to 4", length_size);
  }
  size_t pos = 0;
  while (pos < avcc.size()) {
    if (avcc.size() - pos < size_t(length_size)) {
      return fail(Errc::truncated, "avcc: length prefix at offset {} cut short", pos);
    }
    uint32_t length = 0;
    for (int i = 0; i < length_size; ++i) length = length << 8 | avcc[pos + i];
    pos += size_t(length_size);
    if (length > avcc.size() - pos) {
      return fail(Errc::truncated, "avcc: NAL unit at offset {} claims {} bytes, {} left", pos, length,
                  avcc.size() - pos);
    }
    pos += length;
  }
  return {};
}

}  // namespace relaycast::h264
