#pragma once
// The 188-byte transport stream packets of one PID (ISO/IEC 13818-1 2.4.3.2-2.4.3.5):
// PES packets and PSI sections cut into packets, with the adaptation field for PCR,
// random access and stuffing, and the PID's continuity counter.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace relaycast::mpegts {

inline constexpr size_t kPacketSize = 188;
inline constexpr uint8_t kSyncByte = 0x47;
inline constexpr size_t kPacketHeaderSize = 4;
inline constexpr size_t kPacketPayloadSize = kPacketSize - kPacketHeaderSize;

// What the first packet of a PES carries in its adaptation field.
struct PesStart {
  std::optional<int64_t> pcr;  // in kTimebase (90 kHz): the PCR base, extension 0
  bool random_access = false;  // random_access_indicator: a player may start here
};

class PidWriter {
public:
  explicit PidWriter(uint16_t pid) : pid_(pid) {}

  uint16_t pid() const { return pid_; }

  // 2.4.4.1: a section behind a pointer_field of 0 in a packet with
  // payload_unit_start_indicator set; the packet is filled up with 0xff, which ends
  // the sections of a packet (stuffing in PSI is payload, not adaptation field).
  void write_section(std::span<const uint8_t> section, std::vector<uint8_t>& out);

  // A whole PES packet, given as the byte ranges it is made of (header, start codes,
  // NAL units, ...), cut into packets; the first one has payload_unit_start_indicator
  // set and `start` in its adaptation field. The last packet is filled up by growing
  // its adaptation field (2.4.3.4 stuffing_byte): PES packets may not be padded with
  // payload, and the next PES must start a packet.
  void write_pes(const PesStart& start, std::span<const std::span<const uint8_t>> pieces,
                 std::vector<uint8_t>& out);

  // A packet with only an adaptation field, carrying a PCR: for when this PID has no
  // PES to put the PCR in but the clock must be sent (2.7.2: at most 100 ms apart).
  void write_pcr_only(int64_t pcr, std::vector<uint8_t>& out);

private:
  uint8_t* begin_packet(bool unit_start, bool adaptation_field, bool payload, std::vector<uint8_t>& out);

  uint16_t pid_;
  // 2.4.3.3 continuity_counter of the next packet with payload. It goes on across
  // segments: the segments of one playlist are one stream to a player.
  uint8_t continuity_ = 0;
};

}  // namespace relaycast::mpegts
