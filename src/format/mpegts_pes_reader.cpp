#include "format/mpegts_pes_reader.hpp"

#include "core/byte_io.hpp"

namespace relaycast::mpegts {
namespace {

// 2.4.3.7: '0010' PTS or '0011'/'0001' PTS/DTS, then 3+15+15 bits, each part closed by
// a marker bit of 1.
std::optional<uint64_t> read_timestamp(const uint8_t* p) {
  if (!(p[0] & 1) || !(p[2] & 1) || !(p[4] & 1)) return std::nullopt;
  return uint64_t(p[0] >> 1 & 0x7) << 30 | uint64_t(load_u16be(p + 1) >> 1) << 15 | load_u16be(p + 3) >> 1;
}

// Table 2-21 / 2.4.3.7: these stream_ids have no PES header extension.
bool has_optional_header(uint8_t id) {
  return id != 0xbc && id != 0xbe && id != 0xbf && id != 0xf0 && id != 0xf1 && id != 0xff && id != 0xf2 &&
         id != 0xf8;
}

}  // namespace

Result<PesHeader> parse_pes_header(std::span<const uint8_t> b) {
  if (b.size() < 6) return fail(Errc::truncated, "PES: header cut after {} bytes", b.size());
  if (b[0] != 0 || b[1] != 0 || b[2] != 1)
    return fail(Errc::malformed, "PES: no start code prefix ({:02x} {:02x} {:02x})", b[0], b[1], b[2]);
  PesHeader h;
  h.stream_id = b[3];
  h.packet_length = load_u16be(&b[4]);
  if (!has_optional_header(h.stream_id))
    return fail(Errc::unsupported, "PES: stream_id 0x{:02x} carries no media", h.stream_id);
  if (b.size() < 9) return fail(Errc::truncated, "PES: header cut after {} bytes", b.size());
  if ((b[6] & 0xc0) != 0x80) return fail(Errc::malformed, "PES: '10' marker missing (0x{:02x})", b[6]);
  const uint8_t pts_dts_flags = b[7] >> 6;
  h.header_size = 9 + size_t(b[8]);
  if (b.size() < h.header_size)
    return fail(Errc::truncated, "PES: header of {} bytes cut after {}", h.header_size, b.size());
  if (h.packet_length != 0 && h.packet_length + 6u < h.header_size)
    return fail(Errc::malformed, "PES: PES_packet_length {} is shorter than the header", h.packet_length);
  const size_t needed = pts_dts_flags == 3 ? 10 : pts_dts_flags == 2 ? 5 : 0;
  if (pts_dts_flags == 1) return fail(Errc::malformed, "PES: PTS_DTS_flags '01' is forbidden");
  if (b[8] < needed) return fail(Errc::malformed, "PES: header_data_length {} has no room for the timestamps", b[8]);
  if (pts_dts_flags & 2) {
    h.pts = read_timestamp(&b[9]);
    if (!h.pts) return fail(Errc::malformed, "PES: PTS marker bits wrong");
  }
  if (pts_dts_flags == 3) {
    h.dts = read_timestamp(&b[14]);
    if (!h.dts) return fail(Errc::malformed, "PES: DTS marker bits wrong");
  }
  return h;
}

}  // namespace relaycast::mpegts
