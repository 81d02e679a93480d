#pragma once
// AAC in MPEG-TS: ADTS frames (ISO/IEC 13818-7 6.2), a header in front of every raw
// frame that carries what MP4 and RTMP keep in the AudioSpecificConfig. A TS demuxer
// reads the header, strips it, and makes the AudioSpecificConfig from it once.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace relaycast::aac {

struct AdtsHeader {
  uint8_t object_type = 0;  // audioObjectType: the ADTS profile + 1 (1 Main, 2 LC, 3 SSR, 4 LTP)
  uint8_t sampling_frequency_index = 0;
  uint32_t sample_rate = 0;  // Hz
  uint8_t channel_configuration = 0;
  size_t header_size = 0;   // 7, or 9 with the CRC
  size_t frame_length = 0;  // header included (aac_frame_length)
  uint8_t raw_data_blocks = 1;

  bool same_config(const AdtsHeader& o) const {
    return object_type == o.object_type && sampling_frequency_index == o.sampling_frequency_index &&
           channel_configuration == o.channel_configuration;
  }
};

// 6.2.1 adts_fixed_header + adts_variable_header at the start of `bytes`. Errors:
// fewer than 7 bytes (Errc::truncated); no syncword, a reserved sampling frequency
// index, or a frame_length shorter than its own header (Errc::malformed). The frame
// itself may extend past `bytes`: the caller checks frame_length against what it has.
Result<AdtsHeader> parse_adts_header(std::span<const uint8_t> bytes);

// 1.6.2.1 AudioSpecificConfig for what an ADTS header says: object type, frequency
// index, channel configuration, GASpecificConfig all zero (1024-sample frames).
std::array<uint8_t, 2> audio_specific_config(const AdtsHeader& header);

}  // namespace relaycast::aac
