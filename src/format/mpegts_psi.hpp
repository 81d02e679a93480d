#pragma once
// MPEG-TS program specific information (ISO/IEC 13818-1 2.4.4): the PAT and PMT
// sections that tell a player which PIDs carry which streams. A live HLS stream has one
// program whose streams never change, so the sections are built once and repeated at
// the start of every segment (each segment must be decodable alone).
#include <cstdint>
#include <span>
#include <vector>

namespace relaycast::mpegts {

// 2.4.4.9 Table 2-34 stream_type values we write.
inline constexpr uint8_t kStreamTypeH264 = 0x1b;     // ITU-T H.264 | ISO/IEC 14496-10
inline constexpr uint8_t kStreamTypeAacAdts = 0x0f;  // ISO/IEC 13818-7 audio, ADTS
inline constexpr uint8_t kStreamTypeHevc = 0x24;     // ITU-T H.265 | ISO/IEC 23008-2

// 2.4.3.3 Table 2-3: PID 0 is the PAT; 0x1fff is the null packet, and a PMT says
// "no PCR" with it.
inline constexpr uint16_t kPatPid = 0x0000;
inline constexpr uint16_t kNullPid = 0x1fff;

struct ElementaryStream {
  uint8_t stream_type = 0;
  uint16_t pid = 0;
};

// Annex A / B.2.3 CRC_32 of PSI sections: polynomial 0x04C11DB7, MSB first, initial
// value 0xffffffff, no final inversion. Over a whole section, CRC included, it is 0.
uint32_t crc32_mpeg2(std::span<const uint8_t> bytes);

// 2.4.4.3 program_association_section with one program, CRC_32 included.
std::vector<uint8_t> pat_section(uint16_t transport_stream_id, uint16_t program_number, uint16_t pmt_pid);

// 2.4.4.8 TS_program_map_section for one program without descriptors, CRC_32 included.
std::vector<uint8_t> pmt_section(uint16_t program_number, uint16_t pcr_pid,
                                 std::span<const ElementaryStream> streams);

}  // namespace relaycast::mpegts
