#include "media/adts.hpp"

#include "media/aac.hpp"

namespace relaycast::aac {

// 6.2.1:
//   syncword 12 | ID 1 | layer 2 | protection_absent 1 | profile 2 |
//   sampling_frequency_index 4 | private_bit 1 | channel_configuration 3 |
//   original_copy 1 | home 1 | copyright_id_bit 1 | copyright_id_start 1 |
//   aac_frame_length 13 | adts_buffer_fullness 11 | number_of_raw_data_blocks_in_frame 2
Result<AdtsHeader> parse_adts_header(std::span<const uint8_t> b) {
  if (b.size() < 7) return fail(Errc::truncated, "ADTS: header needs 7 bytes, {} left", b.size());
  if (b[0] != 0xff || (b[1] & 0xf6) != 0xf0)
    return fail(Errc::malformed, "ADTS: no syncword (0x{:02x}{:02x})", b[0], b[1]);
  AdtsHeader h;
  const bool protection_absent = b[1] & 1;
  h.object_type = uint8_t((b[2] >> 6) + 1);
  h.sampling_frequency_index = uint8_t(b[2] >> 2 & 0xf);
  if (h.sampling_frequency_index >= kSampleRates.size())
    return fail(Errc::malformed, "ADTS: reserved sampling frequency index {}", h.sampling_frequency_index);
  h.sample_rate = kSampleRates[h.sampling_frequency_index];
  h.channel_configuration = uint8_t((b[2] & 1) << 2 | b[3] >> 6);
  h.frame_length = size_t(b[3] & 0x3) << 11 | size_t(b[4]) << 3 | b[5] >> 5;
  h.raw_data_blocks = uint8_t((b[6] & 0x3) + 1);
  h.header_size = protection_absent ? 7 : 9;
  if (h.frame_length < h.header_size)
    return fail(Errc::malformed, "ADTS: frame length {} is shorter than its {}-byte header", h.frame_length,
                h.header_size);
  return h;
}

// 1.6.2.1: audioObjectType 5 | samplingFrequencyIndex 4 | channelConfiguration 4 |
// GASpecificConfig: frameLengthFlag 0, dependsOnCoreCoder 0, extensionFlag 0.
std::array<uint8_t, 2> audio_specific_config(const AdtsHeader& h) {
  return {uint8_t(h.object_type << 3 | h.sampling_frequency_index >> 1),
          uint8_t((h.sampling_frequency_index & 1) << 7 | h.channel_configuration << 3)};
}

}  // namespace relaycast::aac
