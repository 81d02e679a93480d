#include "format/mpegts_pid_writer.hpp"

#include <algorithm>
#include <cstring>

#include "format/mpegts_pes.hpp"

namespace relaycast::mpegts {
namespace {

// adaptation_field_length, then the flags byte.
constexpr size_t kAdaptationFlagsSize = 2;
constexpr size_t kPcrSize = 6;
constexpr uint8_t kFlagRandomAccess = 0x40;
constexpr uint8_t kFlagPcr = 0x10;

// Copies the bytes of a sequence of ranges out in order, however they fall across
// packet boundaries.
class Gather {
public:
  explicit Gather(std::span<const std::span<const uint8_t>> pieces) : pieces_(pieces) {
    for (auto piece : pieces) remaining_ += piece.size();
  }
  size_t remaining() const { return remaining_; }
  void copy_to(uint8_t* out, size_t n) {
    remaining_ -= n;
    while (n > 0) {
      const auto piece = pieces_[index_];
      const size_t take = std::min(n, piece.size() - offset_);
      std::memcpy(out, piece.data() + offset_, take);
      out += take;
      n -= take;
      offset_ += take;
      if (offset_ == piece.size()) {
        ++index_;
        offset_ = 0;
      }
    }
  }

private:
  std::span<const std::span<const uint8_t>> pieces_;
  size_t index_ = 0;
  size_t offset_ = 0;
  size_t remaining_ = 0;
};

// 2.4.3.5 program_clock_reference_base 33 | reserved 6 | program_clock_reference_extension 9.
// Our clock is 90 kHz, so the 27 MHz extension is always 0.
void write_pcr(int64_t pcr, uint8_t* out) {
  const uint64_t base = wrap_timestamp(pcr);
  out[0] = uint8_t(base >> 25);
  out[1] = uint8_t(base >> 17);
  out[2] = uint8_t(base >> 9);
  out[3] = uint8_t(base >> 1);
  out[4] = uint8_t((base & 1) << 7 | 0x7e);
  out[5] = 0;
}

// 2.4.3.4 adaptation_field() of `size` bytes, length byte included:
//   adaptation_field_length 8
//   discontinuity_indicator 1 | random_access_indicator 1 | elementary_stream_priority_indicator 1
//     | PCR_flag 1 | OPCR_flag 1 | splicing_point_flag 1 | transport_private_data_flag 1
//     | adaptation_field_extension_flag 1
//   [PCR 48] stuffing_byte (0xff) ...
// A size of 1 is the length byte alone (adaptation_field_length 0), the only way to
// stuff a single byte.
void write_adaptation_field(size_t size, const PesStart& start, uint8_t* out) {
  out[0] = uint8_t(size - 1);
  if (size == 1) return;
  out[1] = uint8_t((start.random_access ? kFlagRandomAccess : 0) | (start.pcr ? kFlagPcr : 0));
  size_t pos = kAdaptationFlagsSize;
  if (start.pcr) {
    write_pcr(*start.pcr, out + pos);
    pos += kPcrSize;
  }
  std::memset(out + pos, 0xff, size - pos);
}

}  // namespace

// 2.4.3.2 transport_packet() header:
//   sync_byte 8 (0x47) | transport_error_indicator 1 | payload_unit_start_indicator 1
//     | transport_priority 1 | PID 13
//   transport_scrambling_control 2 | adaptation_field_control 2 | continuity_counter 4
// The counter counts packets with payload only (2.4.3.3); a packet without payload
// repeats the last one.
uint8_t* PidWriter::begin_packet(bool unit_start, bool adaptation_field, bool payload, std::vector<uint8_t>& out) {
  out.resize(out.size() + kPacketSize);
  uint8_t* p = out.data() + out.size() - kPacketSize;
  p[0] = kSyncByte;
  p[1] = uint8_t((unit_start ? 0x40 : 0) | (pid_ >> 8 & 0x1f));
  p[2] = uint8_t(pid_);
  const uint8_t control = uint8_t((adaptation_field ? 0x2 : 0) | (payload ? 0x1 : 0));
  const uint8_t counter = payload ? continuity_ : uint8_t((continuity_ - 1) & 0x0f);
  p[3] = uint8_t(control << 4 | counter);
  if (payload) continuity_ = (continuity_ + 1) & 0x0f;
  return p;
}

void PidWriter::write_section(std::span<const uint8_t> section, std::vector<uint8_t>& out) {
  static constexpr uint8_t kPointerField[] = {0x00};
  const std::span<const uint8_t> pieces[] = {kPointerField, section};
  Gather gather(pieces);
  bool first = true;
  while (gather.remaining() > 0) {
    uint8_t* p = begin_packet(first, false, true, out) + kPacketHeaderSize;
    const size_t n = std::min(gather.remaining(), kPacketPayloadSize);
    gather.copy_to(p, n);
    std::memset(p + n, 0xff, kPacketPayloadSize - n);
    first = false;
  }
}

void PidWriter::write_pes(const PesStart& start, std::span<const std::span<const uint8_t>> pieces,
                          std::vector<uint8_t>& out) {
  Gather gather(pieces);
  out.reserve(out.size() + (gather.remaining() / kPacketPayloadSize + 2) * kPacketSize);
  bool first = true;
  while (gather.remaining() > 0) {
    const PesStart here = first ? start : PesStart{};
    const size_t needed = here.pcr || here.random_access ? kAdaptationFlagsSize + (here.pcr ? kPcrSize : 0) : 0;
    const size_t payload = std::min(gather.remaining(), kPacketPayloadSize - needed);
    // What the payload leaves of the packet is adaptation field: flags and stuffing.
    const size_t adaptation = kPacketPayloadSize - payload;
    uint8_t* p = begin_packet(first, adaptation > 0, true, out) + kPacketHeaderSize;
    if (adaptation > 0) write_adaptation_field(adaptation, here, p);
    gather.copy_to(p + adaptation, payload);
    first = false;
  }
}

void PidWriter::write_pcr_only(int64_t pcr, std::vector<uint8_t>& out) {
  uint8_t* p = begin_packet(false, true, false, out) + kPacketHeaderSize;
  write_adaptation_field(kPacketPayloadSize, PesStart{.pcr = pcr}, p);
}

}  // namespace relaycast::mpegts
