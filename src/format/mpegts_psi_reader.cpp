#include "format/mpegts_psi_reader.hpp"

#include "core/byte_io.hpp"

namespace relaycast::mpegts {
namespace {

constexpr uint8_t kPatTableId = 0x00;
constexpr uint8_t kPmtTableId = 0x02;

// 2.4.4.4 / 2.4.4.9 common head: table_id, section_syntax_indicator, section_length,
// then 5 bytes (id, version, current_next, section numbers); the CRC closes it.
Result<void> check_section(std::span<const uint8_t> s, uint8_t table_id, const char* what) {
  if (s.size() < 12) return fail(Errc::truncated, "{}: section of {} bytes is too short", what, s.size());
  if (s[0] != table_id) return fail(Errc::malformed, "{}: table_id 0x{:02x}, expected 0x{:02x}", what, s[0], table_id);
  if (!(s[1] & 0x80)) return fail(Errc::malformed, "{}: section_syntax_indicator is 0", what);
  if (section_size(s) != s.size())
    return fail(Errc::malformed, "{}: section_length says {} bytes, have {}", what, *section_size(s), s.size());
  if (crc32_mpeg2(s) != 0) return fail(Errc::malformed, "{}: CRC_32 mismatch", what);
  return {};
}

}  // namespace

std::optional<size_t> section_size(std::span<const uint8_t> s) {
  if (s.size() < 3) return std::nullopt;
  return 3 + (load_u16be(&s[1]) & 0x0fff);
}

Result<std::vector<ProgramAssociation>> parse_pat(std::span<const uint8_t> s) {
  if (auto ok = check_section(s, kPatTableId, "PAT"); !ok) return std::unexpected(std::move(ok.error()));
  std::vector<ProgramAssociation> programs;
  // Program loop: from after the 8-byte head to before the CRC, 4 bytes each.
  for (size_t i = 8; i + 4 <= s.size() - 4; i += 4) {
    const uint16_t program = load_u16be(&s[i]);
    const uint16_t pid = load_u16be(&s[i + 2]) & 0x1fff;
    if (program != 0) programs.push_back({program, pid});
  }
  return programs;
}

Result<ProgramMap> parse_pmt(std::span<const uint8_t> s) {
  if (auto ok = check_section(s, kPmtTableId, "PMT"); !ok) return std::unexpected(std::move(ok.error()));
  ProgramMap map;
  map.program_number = load_u16be(&s[3]);
  map.version = uint8_t(s[5] >> 1 & 0x1f);
  map.pcr_pid = load_u16be(&s[8]) & 0x1fff;
  const size_t program_info_length = load_u16be(&s[10]) & 0x0fff;
  const size_t end = s.size() - 4;  // the CRC
  size_t i = 12 + program_info_length;
  if (i > end) return fail(Errc::malformed, "PMT: program_info_length {} overruns the section", program_info_length);
  while (i < end) {
    if (end - i < 5) return fail(Errc::malformed, "PMT: elementary stream entry cut by the CRC");
    const uint8_t type = s[i];
    const uint16_t pid = load_u16be(&s[i + 1]) & 0x1fff;
    const size_t info_length = load_u16be(&s[i + 3]) & 0x0fff;
    i += 5;
    if (info_length > end - i) return fail(Errc::malformed, "PMT: ES_info_length {} of PID {} overruns the section", info_length, pid);
    i += info_length;
    map.streams.push_back({type, pid});
  }
  return map;
}

}  // namespace relaycast::mpegts
