#include "format/mpegts_pes.hpp"

#include "core/byte_io.hpp"

namespace relaycast::mpegts {
namespace {

// 2.4.3.6 PTS / DTS fields, 5 bytes:
//   prefix 4 | TS[32..30] 3 | marker 1 | TS[29..15] 15 | marker 1 | TS[14..0] 15 | marker 1
// The marker bits exist so that no run of zeros can imitate a start code.
void write_timestamp(uint8_t prefix, int64_t ticks, uint8_t* out) {
  const uint64_t ts = wrap_timestamp(ticks);
  out[0] = uint8_t(prefix << 4 | (ts >> 29 & 0x0e) | 1);
  store_u16be(out + 1, uint16_t((ts >> 14 & 0xfffe) | 1));
  store_u16be(out + 3, uint16_t((ts << 1 & 0xfffe) | 1));
}

constexpr uint8_t kPrefixPtsOnly = 0x2;
constexpr uint8_t kPrefixPtsWithDts = 0x3;
constexpr uint8_t kPrefixDts = 0x1;
constexpr size_t kTimestampSize = 5;
// Bytes between PES_packet_length and PES_header_data_length's data.
constexpr size_t kFlagBytes = 3;
constexpr size_t kFixedSize = 6 + kFlagBytes;

}  // namespace

// PES_packet():
//   packet_start_code_prefix 24 | stream_id 8 | PES_packet_length 16
//   '10' | PES_scrambling_control 2 | PES_priority 1 | data_alignment_indicator 1
//        | copyright 1 | original_or_copy 1
//   PTS_DTS_flags 2 | ESCR_flag 1 | ES_rate_flag 1 | DSM_trick_mode_flag 1
//        | additional_copy_info_flag 1 | PES_CRC_flag 1 | PES_extension_flag 1
//   PES_header_data_length 8
//   PTS (5 bytes) [DTS (5 bytes)]
size_t write_pes_header(uint8_t stream_id, int64_t pts, std::optional<int64_t> dts, size_t payload_size,
                        uint8_t* out) {
  const size_t header_data_length = dts ? 2 * kTimestampSize : kTimestampSize;
  const size_t after_length = kFlagBytes + header_data_length + payload_size;
  store_u24be(out, 0x000001);
  out[3] = stream_id;
  const bool video = (stream_id & 0xf0) == kStreamIdVideo;
  store_u16be(out + 4, video || after_length > 0xffff ? 0 : uint16_t(after_length));
  out[6] = 0x84;  // '10', data_alignment_indicator
  out[7] = dts ? 0xc0 : 0x80;
  out[8] = uint8_t(header_data_length);
  write_timestamp(dts ? kPrefixPtsWithDts : kPrefixPtsOnly, pts, out + kFixedSize);
  if (dts) write_timestamp(kPrefixDts, *dts, out + kFixedSize + kTimestampSize);
  return kFixedSize + header_data_length;
}

}  // namespace relaycast::mpegts
