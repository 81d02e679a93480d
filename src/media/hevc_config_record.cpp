#include "media/hevc_config_record.hpp"

#include <string_view>

#include "core/byte_io.hpp"

namespace relaycast::hevc {
namespace {

// configurationVersion .. numOfArrays.
constexpr size_t kHeaderSize = 23;

std::string_view array_name(uint8_t type) {
  switch (NalType(type)) {
    case NalType::vps: return "VPS";
    case NalType::sps: return "SPS";
    case NalType::pps: return "PPS";
    default: return "NAL unit";
  }
}

}  // namespace

// ISO/IEC 14496-15 8.3.3.1.2 HEVCDecoderConfigurationRecord
//   configurationVersion u(8) = 1,
//   general_profile_space u(2), general_tier_flag u(1), general_profile_idc u(5),
//   general_profile_compatibility_flags u(32), general_constraint_indicator_flags u(48),
//   general_level_idc u(8),
//   reserved '1111'b + min_spatial_segmentation_idc u(12),
//   reserved '111111'b + parallelismType u(2), reserved '111111'b + chromaFormat u(2),
//   reserved '11111'b + bitDepthLumaMinus8 u(3), reserved '11111'b + bitDepthChromaMinus8 u(3),
//   avgFrameRate u(16), constantFrameRate u(2), numTemporalLayers u(3),
//   temporalIdNested u(1), lengthSizeMinusOne u(2), numOfArrays u(8),
//   per array: array_completeness u(1), reserved 0 u(1), NAL_unit_type u(6),
//     numNalus u(16), per NAL unit: nalUnitLength u(16), the NAL unit.
// Reserved bits are not checked, as no decoder checks them.
Result<HevcDecoderConfig> parse_hevc_decoder_config(std::span<const uint8_t> record) {
  if (record.size() < kHeaderSize) {
    return fail(Errc::truncated, "hvcC: {} bytes, shorter than the {}-byte header", record.size(), kHeaderSize);
  }
  if (record[0] != 1) return fail(Errc::malformed, "hvcC: configurationVersion {}, not 1", record[0]);
  HevcDecoderConfig config;
  config.ptl.profile_space = record[1] >> 6;
  config.ptl.tier = (record[1] >> 5) & 1;
  config.ptl.profile_idc = record[1] & 0x1f;
  config.ptl.compatibility_flags = load_u32be(record.data() + 2);
  for (size_t i = 0; i < config.ptl.constraint_flags.size(); ++i) config.ptl.constraint_flags[i] = record[6 + i];
  config.ptl.level_idc = record[12];
  config.chroma_format_idc = record[16] & 0x03;
  config.bit_depth_luma = uint8_t(8 + (record[17] & 0x07));
  config.bit_depth_chroma = uint8_t(8 + (record[18] & 0x07));
  // 1, 2 and 4 are what the spec allows; 3 is accepted since every length reader here
  // handles it.
  config.nalu_length_size = (record[21] & 0x03) + 1;

  ByteReader r(record.subspan(kHeaderSize));
  for (int array = 0; array < record[22]; ++array) {
    const auto type_byte = r.u8();
    const auto count = r.u16be();
    if (!count) return fail(Errc::truncated, "hvcC: array {} header cut short", array);
    const uint8_t type = *type_byte & 0x3f;
    for (int i = 0; i < *count; ++i) {
      const auto length = r.u16be();
      if (!length) return fail(Errc::truncated, "hvcC: {} length cut short", array_name(type));
      const auto nal = r.bytes(*length);
      if (!nal) {
        return fail(Errc::truncated, "hvcC: {} of {} bytes, {} left", array_name(type), *length, r.remaining());
      }
      if (nal->size() < kNalHeaderSize || nal_type((*nal)[0]) != type) {
        return fail(Errc::malformed, "hvcC: a NAL unit in the array of type {} is not of that type", type);
      }
      std::vector<uint8_t> copy(nal->begin(), nal->end());
      switch (NalType(type)) {
        case NalType::vps: config.vps.push_back(std::move(copy)); break;
        case NalType::sps: config.sps.push_back(std::move(copy)); break;
        case NalType::pps: config.pps.push_back(std::move(copy)); break;
        default: break;  // SEI and others: not needed to start a decoder
      }
    }
  }
  return config;
}

Result<std::vector<uint8_t>> make_hevc_decoder_config(std::span<const uint8_t> vps, std::span<const uint8_t> sps,
                                                      std::span<const uint8_t> pps) {
  const std::span<const uint8_t> sets[] = {vps, sps, pps};
  constexpr NalType kTypes[] = {NalType::vps, NalType::sps, NalType::pps};
  for (size_t i = 0; i < 3; ++i) {
    if (sets[i].size() < kNalHeaderSize) {
      return fail(Errc::truncated, "hvcC: {} of {} bytes", array_name(uint8_t(kTypes[i])), sets[i].size());
    }
    if (sets[i].size() > 0xffff) return fail(Errc::malformed, "hvcC: {} over 65535 bytes", array_name(uint8_t(kTypes[i])));
    if (nal_type(sets[i][0]) != uint8_t(kTypes[i])) {
      return fail(Errc::malformed, "hvcC: NAL unit of type {} where the {} belongs", nal_type(sets[i][0]),
                  array_name(uint8_t(kTypes[i])));
    }
  }
  auto parsed = parse_sps(sps);
  if (!parsed) return std::unexpected(std::move(parsed.error()).context("hvcC"));

  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + 15 + vps.size() + sps.size() + pps.size());
  ByteWriter w(out);
  const ProfileTierLevel& ptl = parsed->ptl;
  w.u8(1);  // configurationVersion
  w.u8(uint8_t(ptl.profile_space << 6 | (ptl.tier ? 0x20 : 0) | (ptl.profile_idc & 0x1f)));
  w.u32be(ptl.compatibility_flags);
  w.bytes(ptl.constraint_flags);
  w.u8(ptl.level_idc);
  // min_spatial_segmentation_idc and parallelismType live in the VUI and say only what
  // a decoder may parallelise: 0 is "unknown", which every decoder accepts.
  w.u16be(0xf000);
  w.u8(0xfc);
  w.u8(uint8_t(0xfc | parsed->chroma_format_idc));
  w.u8(uint8_t(0xf8 | (parsed->bit_depth_luma - 8)));
  w.u8(uint8_t(0xf8 | (parsed->bit_depth_chroma - 8)));
  w.u16be(0);  // avgFrameRate: unspecified
  // constantFrameRate 0 (unknown), numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3.
  w.u8(uint8_t((parsed->max_sub_layers & 0x07) << 3 | (parsed->temporal_id_nesting ? 0x04 : 0) | 0x03));
  w.u8(3);  // numOfArrays
  for (size_t i = 0; i < 3; ++i) {
    w.u8(uint8_t(0x80 | uint8_t(kTypes[i])));  // array_completeness: all sets of the type are here
    w.u16be(1);
    w.u16be(uint16_t(sets[i].size()));
    w.bytes(sets[i]);
  }
  return out;
}

}  // namespace relaycast::hevc
