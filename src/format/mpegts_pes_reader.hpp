#pragma once
// Reading PES packet headers (ISO/IEC 13818-1 2.4.3.6, 2.4.3.7) of a transport stream
// someone else wrote.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/error.hpp"

namespace relaycast::mpegts {

struct PesHeader {
  uint8_t stream_id = 0;
  // PES_packet_length: the bytes after this field; 0 means "unbounded" (video only).
  uint16_t packet_length = 0;
  size_t header_size = 0;         // up to the first elementary stream byte
  std::optional<uint64_t> pts;    // 33 bits, as written
  std::optional<uint64_t> dts;
};

// A PES header at the start of `bytes`. Errors: too few bytes for the header it
// declares (Errc::truncated), no packet_start_code_prefix or a wrong marker bit in a
// timestamp (Errc::malformed). Stream ids without the optional header (padding,
// private_stream_2, ...) are Errc::unsupported: they carry no media we read.
Result<PesHeader> parse_pes_header(std::span<const uint8_t> bytes);

}  // namespace relaycast::mpegts
