// HEVC half of annexb.hpp: length-prefixed NAL units (hvcC framing) to Annex B.
#include "format/annexb.hpp"

namespace relaycast::annexb {
namespace {

// H.265 7.3.2.5 access_unit_delimiter_rbsp behind a 4-byte start code: NAL header
// type 35, nuh_layer_id 0, nuh_temporal_id_plus1 1; pic_type 2 (I, P and B slices may
// follow), then the rbsp stop bit.
constexpr uint8_t kHevcAccessUnitDelimiter[] = {0x00, 0x00, 0x00, 0x01, 0x46, 0x01, 0x50};

void add_hevc_nal(std::span<const uint8_t> nal, std::vector<std::span<const uint8_t>>& pieces) {
  if (!nal.empty()) detail::add_nal(nal, hevc::is_parameter_set(hevc::nal_type(nal[0])), pieces);
}

}  // namespace

Result<void> gather_access_unit(std::span<const uint8_t> hvcc, const hevc::HevcDecoderConfig& config,
                                bool keyframe, std::vector<std::span<const uint8_t>>& pieces) {
  bool irap = false, has_vps = false, has_sps = false, has_pps = false;
  auto scanned = h264::for_each_nal(hvcc, config.nalu_length_size, [&](std::span<const uint8_t> nal) {
    const uint8_t type = hevc::nal_type(nal[0]);
    irap |= hevc::is_irap(type);
    has_vps |= type == uint8_t(hevc::NalType::vps);
    has_sps |= type == uint8_t(hevc::NalType::sps);
    has_pps |= type == uint8_t(hevc::NalType::pps);
  });
  if (!scanned) return scanned;

  pieces.emplace_back(kHevcAccessUnitDelimiter);
  if ((keyframe || irap) && !(has_vps && has_sps && has_pps)) {
    for (const auto& vps : config.vps) add_hevc_nal(vps, pieces);
    for (const auto& sps : config.sps) add_hevc_nal(sps, pieces);
    for (const auto& pps : config.pps) add_hevc_nal(pps, pieces);
  }
  // Checked above, so this walk cannot fail.
  (void)h264::for_each_nal(hvcc, config.nalu_length_size, [&](std::span<const uint8_t> nal) {
    if (hevc::nal_type(nal[0]) != uint8_t(hevc::NalType::aud)) add_hevc_nal(nal, pieces);
  });
  return {};
}

Result<void> append_access_unit(std::span<const uint8_t> hvcc, const hevc::HevcDecoderConfig& config,
                                bool keyframe, std::vector<uint8_t>& out) {
  std::vector<std::span<const uint8_t>> pieces;
  if (auto gathered = gather_access_unit(hvcc, config, keyframe, pieces); !gathered) return gathered;
  for (auto piece : pieces) out.insert(out.end(), piece.begin(), piece.end());
  return {};
}

}  // namespace relaycast::annexb
