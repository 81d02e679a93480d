#include "format/annexb.hpp"

namespace relaycast::annexb {
namespace {

constexpr uint8_t kLongStartCode[] = {0x00, 0x00, 0x00, 0x01};
constexpr uint8_t kShortStartCode[] = {0x00, 0x00, 0x01};
// 7.3.2.4 access_unit_delimiter_rbsp: primary_pic_type 7 (any slice type may follow),
// then the rbsp stop bit.
constexpr uint8_t kAccessUnitDelimiter[] = {0x00, 0x00, 0x00, 0x01, 0x09, 0xf0};

void add_nal(std::span<const uint8_t> nal, std::vector<std::span<const uint8_t>>& pieces) {
  if (nal.empty()) return;
  const auto type = h264::NalType(h264::nal_type(nal[0]));
  detail::add_nal(nal, type == h264::NalType::sps || type == h264::NalType::pps, pieces);
}

}  // namespace

void detail::add_nal(std::span<const uint8_t> nal, bool parameter_set, std::vector<std::span<const uint8_t>>& pieces) {
  pieces.push_back(parameter_set ? std::span<const uint8_t>(kLongStartCode) : kShortStartCode);
  pieces.push_back(nal);
}

Result<void> gather_access_unit(std::span<const uint8_t> avcc, const h264::AvcDecoderConfig& config,
                                bool keyframe, std::vector<std::span<const uint8_t>>& pieces) {
  bool has_idr = false, has_sps = false, has_pps = false;
  auto scanned = h264::for_each_nal(avcc, config.nalu_length_size, [&](std::span<const uint8_t> nal) {
    const auto type = h264::NalType(h264::nal_type(nal[0]));
    has_idr |= type == h264::NalType::idr;
    has_sps |= type == h264::NalType::sps;
    has_pps |= type == h264::NalType::pps;
  });
  if (!scanned) return scanned;

  pieces.emplace_back(kAccessUnitDelimiter);
  if ((keyframe || has_idr) && !(has_sps && has_pps)) {
    for (const auto& sps : config.sps) add_nal(sps, pieces);
    for (const auto& pps : config.pps) add_nal(pps, pieces);
  }
  // Checked above, so this walk cannot fail.
  (void)h264::for_each_nal(avcc, config.nalu_length_size, [&](std::span<const uint8_t> nal) {
    if (h264::NalType(h264::nal_type(nal[0])) != h264::NalType::aud) add_nal(nal, pieces);
  });
  return {};
}

Result<void> append_access_unit(std::span<const uint8_t> avcc, const h264::AvcDecoderConfig& config,
                                bool keyframe, std::vector<uint8_t>& out) {
  std::vector<std::span<const uint8_t>> pieces;
  if (auto gathered = gather_access_unit(avcc, config, keyframe, pieces); !gathered) return gathered;
  for (auto piece : pieces) out.insert(out.end(), piece.begin(), piece.end());
  return {};
}

}  // namespace relaycast::annexb
