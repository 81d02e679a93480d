#include "format/mpegts_psi.hpp"

#include <array>

#include "core/byte_io.hpp"

namespace relaycast::mpegts {
namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i << 24;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
    table[i] = crc;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

constexpr uint8_t kTableIdPat = 0x00;
constexpr uint8_t kTableIdPmt = 0x02;
constexpr uint8_t kVersionCurrent = 0xc1;  // reserved '11', version_number 0, current_next_indicator 1
constexpr size_t kCrcSize = 4;

// The common head of the long section form (2.4.4.10 Table 2-30): table_id, then
// section_syntax_indicator 1, '0', reserved '11' and the 12-bit section_length, which
// counts the bytes after it, CRC included; patched by finish_section().
void begin_section(ByteWriter& w, uint8_t table_id) {
  w.u8(table_id);
  w.u16be(0xb000);
}

void finish_section(std::vector<uint8_t>& section) {
  const size_t section_length = section.size() - 3 + kCrcSize;
  store_u16be(section.data() + 1, uint16_t(0xb000 | section_length));
  ByteWriter(section).u32be(crc32_mpeg2(section));
}

}  // namespace

uint32_t crc32_mpeg2(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xffffffffu;
  for (uint8_t b : bytes) crc = crc << 8 ^ kCrcTable[(crc >> 24 ^ b) & 0xff];
  return crc;
}

// program_association_section:
//   table_id 8 | section_syntax_indicator 1 | '0' | reserved 2 | section_length 12
//   transport_stream_id 16 | reserved 2 | version_number 5 | current_next_indicator 1
//   section_number 8 | last_section_number 8
//   { program_number 16 | reserved 3 | program_map_PID 13 }
//   CRC_32
std::vector<uint8_t> pat_section(uint16_t transport_stream_id, uint16_t program_number, uint16_t pmt_pid) {
  std::vector<uint8_t> section;
  ByteWriter w(section);
  begin_section(w, kTableIdPat);
  w.u16be(transport_stream_id);
  w.u8(kVersionCurrent);
  w.u8(0);
  w.u8(0);
  w.u16be(program_number);
  w.u16be(uint16_t(0xe000 | pmt_pid));
  finish_section(section);
  return section;
}

// TS_program_map_section:
//   table_id 8 | section_syntax_indicator 1 | '0' | reserved 2 | section_length 12
//   program_number 16 | reserved 2 | version_number 5 | current_next_indicator 1
//   section_number 8 | last_section_number 8
//   reserved 3 | PCR_PID 13 | reserved 4 | program_info_length 12
//   { stream_type 8 | reserved 3 | elementary_PID 13 | reserved 4 | ES_info_length 12 }
//   CRC_32
std::vector<uint8_t> pmt_section(uint16_t program_number, uint16_t pcr_pid,
                                 std::span<const ElementaryStream> streams) {
  std::vector<uint8_t> section;
  ByteWriter w(section);
  begin_section(w, kTableIdPmt);
  w.u16be(program_number);
  w.u8(kVersionCurrent);
  w.u8(0);
  w.u8(0);
  w.u16be(uint16_t(0xe000 | pcr_pid));
  w.u16be(0xf000);
  for (const auto& stream : streams) {
    w.u8(stream.stream_type);
    w.u16be(uint16_t(0xe000 | stream.pid));
    w.u16be(0xf000);
  }
  finish_section(section);
  return section;
}

}  // namespace relaycast::mpegts
