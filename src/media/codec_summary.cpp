#include "media/codec_summary.hpp"

#include <fmt/format.h>

#include "media/aac.hpp"
#include "media/h264.hpp"
#include "media/hevc_config_record.hpp"

namespace relaycast {

std::string describe_config(const MediaPacket& packet) {
  if (packet.codec == Codec::h264) {
    auto record = h264::parse_avc_decoder_config(packet.payload.span());
    if (!record) return fmt::format("H.264 (bad configuration: {})", record.error().message());
    if (record->sps.empty()) return "H.264 (configuration without an SPS)";
    auto sps = h264::parse_sps(record->sps.front());
    if (!sps) return fmt::format("H.264 (bad SPS: {})", sps.error().message());
    return h264::describe(*sps);
  }
  if (packet.codec == Codec::hevc) {
    auto record = hevc::parse_hevc_decoder_config(packet.payload.span());
    if (!record) return fmt::format("HEVC (bad configuration: {})", record.error().message());
    if (record->sps.empty()) return "HEVC (configuration without an SPS)";
    auto sps = hevc::parse_sps(record->sps.front());
    if (!sps) return fmt::format("HEVC (bad SPS: {})", sps.error().message());
    return hevc::describe(*sps);
  }
  if (packet.codec == Codec::av1) return "AV1 (passed through)";
  if (packet.codec == Codec::vp9) return "VP9 (passed through)";
  if (packet.codec == Codec::aac) {
    auto config = aac::parse_audio_specific_config(packet.payload.span());
    if (!config) return fmt::format("AAC (bad configuration: {})", config.error().message());
    return aac::describe(*config);
  }
  return std::string(to_string(packet.codec));
}

}  // namespace relaycast
