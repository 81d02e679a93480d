#pragma once
// Reading the PAT and PMT (ISO/IEC 13818-1 2.4.4) of a transport stream someone else
// wrote: which PID carries the program map, and which PIDs carry which streams.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "format/mpegts_psi.hpp"

namespace relaycast::mpegts {

struct ProgramAssociation {
  uint16_t program_number = 0;
  uint16_t pmt_pid = 0;
};

struct ProgramMap {
  uint8_t version = 0;
  uint16_t program_number = 0;
  uint16_t pcr_pid = 0;
  std::vector<ElementaryStream> streams;
};

// The length of a whole section (table_id to CRC_32) from its first 3 bytes, or
// nullopt when fewer are given.
std::optional<size_t> section_size(std::span<const uint8_t> section_start);

// 2.4.4.3 program_association_section: the programs with a PMT (program_number 0,
// the network PID, is left out). `section` is table_id to CRC_32; the CRC is checked.
Result<std::vector<ProgramAssociation>> parse_pat(std::span<const uint8_t> section);

// 2.4.4.8 TS_program_map_section; descriptors are skipped. The CRC is checked.
Result<ProgramMap> parse_pmt(std::span<const uint8_t> section);

}  // namespace relaycast::mpegts
