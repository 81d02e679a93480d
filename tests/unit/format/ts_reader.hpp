#pragma once
// Test-only: a strict MPEG-TS reader (ISO/IEC 13818-1) that takes apart what the muxer
// wrote and lists every rule it finds broken, so tests can assert that there are none
// and then look at the PES packets, tables and PCRs. No model for a real demuxer: it
// knows only the single program our muxer writes.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/byte_io.hpp"
#include "format/mpegts_psi.hpp"

namespace relaycast::test {

struct TsPes {
  uint16_t pid = 0;
  size_t first_packet = 0;  // index of the TS packet it starts in
  uint8_t stream_id = 0;
  uint16_t declared_length = 0;  // PES_packet_length
  std::optional<uint64_t> pts, dts;
  bool random_access = false;     // in its first packet
  std::optional<uint64_t> pcr;    // in its first packet (base, 90 kHz)
  std::vector<uint8_t> data;      // the elementary stream bytes after the PES header
};

struct TsSection {
  uint16_t pid = 0;
  size_t packet = 0;
  std::vector<uint8_t> bytes;  // table_id to CRC_32 inclusive
};

struct TsPcr {
  uint16_t pid = 0;
  size_t packet = 0;
  uint64_t base = 0;
  bool payload = false;  // false: a PCR-only packet
};

struct TsContents {
  size_t packets = 0;
  std::vector<TsPes> pes;
  std::vector<TsSection> sections;
  std::vector<TsPcr> pcrs;
  std::map<uint16_t, size_t> packets_per_pid;
  std::vector<std::string> errors;  // every rule broken, with the packet index
};

// 2.4.3.6: 5 bytes with marker bits; nullopt when a marker is wrong or the prefix differs.
inline std::optional<uint64_t> read_ts_timestamp(const uint8_t* p, uint8_t prefix) {
  if ((p[0] >> 4) != prefix || !(p[0] & 1) || !(p[2] & 1) || !(p[4] & 1)) return std::nullopt;
  return uint64_t(p[0] >> 1 & 0x7) << 30 | uint64_t(load_u16be(p + 1) >> 1) << 15 | load_u16be(p + 3) >> 1;
}

class TsReader {
public:
  TsContents read(std::span<const uint8_t> ts) {
    if (ts.size() % 188 != 0) error(0, fmt::format("{} bytes, not a multiple of 188", ts.size()));
    for (size_t i = 0; ts.size() >= 188; ++i, ts = ts.subspan(188)) packet(i, ts.first(188));
    std::vector<uint16_t> open_pids;
    for (const auto& entry : open_) open_pids.push_back(entry.first);
    for (uint16_t pid : open_pids) finish(pid);
    // A PES is complete only when the next one on its PID starts: put them back in the
    // order they started.
    std::ranges::sort(out_.pes, {}, &TsPes::first_packet);
    return std::move(out_);
  }

private:
  void error(size_t packet, std::string what) { out_.errors.push_back(fmt::format("packet {}: {}", packet, what)); }

  void packet(size_t index, std::span<const uint8_t> p) {
    ++out_.packets;
    if (p[0] != 0x47) error(index, "no sync byte");
    if (p[1] & 0x80) error(index, "transport_error_indicator set");
    const bool unit_start = p[1] & 0x40;
    const uint16_t pid = load_u16be(&p[1]) & 0x1fff;
    if (p[3] >> 6) error(index, "scrambled");
    const int control = p[3] >> 4 & 0x3;
    const uint8_t cc = p[3] & 0x0f;
    ++out_.packets_per_pid[pid];
    if (control == 0) error(index, "adaptation_field_control 0");
    const bool has_payload = control & 1;
    // 2.4.3.3: the counter steps on packets with payload, stays on those without.
    if (auto last = last_cc_.find(pid); last != last_cc_.end()) {
      const uint8_t expected = has_payload ? (last->second + 1) & 0x0f : last->second;
      if (cc != expected) error(index, fmt::format("PID {:#x} continuity_counter {} after {}", pid, cc, last->second));
    }
    last_cc_[pid] = cc;

    size_t pos = 4;
    bool random_access = false;
    std::optional<uint64_t> pcr;
    if (control & 2) {
      const size_t length = p[4];
      if (length > (has_payload ? 182u : 183u)) error(index, fmt::format("adaptation_field_length {}", length));
      if (!has_payload && length != 183) error(index, "adaptation-field-only packet not 183 bytes of it");
      if (length > 0) {
        random_access = p[5] & 0x40;
        if (p[5] & 0x0f) error(index, "unexpected adaptation field flags");
        size_t af = 6;
        if (p[5] & 0x10) {
          pcr = uint64_t(load_u32be(&p[6])) << 1 | p[10] >> 7;
          if ((p[10] & 0x7e) != 0x7e) error(index, "PCR reserved bits");
          out_.pcrs.push_back({pid, index, *pcr, has_payload});
          af += 6;
        }
        for (; af < 5 + length; ++af) {
          if (p[af] != 0xff) error(index, "stuffing byte not 0xff");
        }
      }
      pos = 5 + length;
    }
    if (!has_payload || pos >= 188) return;
    auto payload = p.subspan(pos);

    if (pid == mpegts::kPatPid || pid == pmt_pid_) {
      section(index, pid, unit_start, payload);
      return;
    }
    if (unit_start) {
      finish(pid);
      open_[pid] = TsPes{.pid = pid, .first_packet = index, .random_access = random_access, .pcr = pcr};
      raw_[pid].clear();
    } else if (!open_.contains(pid)) {
      error(index, fmt::format("PID {:#x} payload without a PES start", pid));
      return;
    }
    raw_[pid].insert(raw_[pid].end(), payload.begin(), payload.end());
  }

  void section(size_t index, uint16_t pid, bool unit_start, std::span<const uint8_t> payload) {
    if (!unit_start) return error(index, "section continues: tables here fit one packet");
    const size_t pointer = payload[0];
    if (pointer != 0) error(index, "pointer_field not 0");
    auto s = payload.subspan(1 + pointer);
    const size_t length = 3 + (load_u16be(&s[1]) & 0x0fff);
    if (length > s.size()) return error(index, "section longer than the packet");
    for (size_t i = length; i < s.size(); ++i) {
      if (s[i] != 0xff) return error(index, "bytes after the section are not 0xff");
    }
    TsSection sec{pid, index, {s.begin(), s.begin() + long(length)}};
    if (mpegts::crc32_mpeg2(sec.bytes) != 0) error(index, fmt::format("PID {:#x} section CRC_32 wrong", pid));
    if (pid == mpegts::kPatPid && length >= 16) pmt_pid_ = load_u16be(&sec.bytes[10]) & 0x1fff;
    out_.sections.push_back(std::move(sec));
  }

  void finish(uint16_t pid) {
    auto it = open_.find(pid);
    if (it == open_.end()) return;
    TsPes pes = std::move(it->second);
    open_.erase(it);
    const auto& raw = raw_[pid];
    const size_t at = pes.first_packet;
    if (raw.size() < 9 || load_u24be(raw.data()) != 1) return error(at, "no PES start code");
    pes.stream_id = raw[3];
    pes.declared_length = load_u16be(&raw[4]);
    if ((raw[6] & 0xc0) != 0x80) error(at, "PES '10' bits missing");
    const int flags = raw[7] >> 6;
    const size_t header_length = raw[8];
    if (raw.size() < 9 + header_length) return error(at, "PES header cut short");
    if (flags == 1) error(at, "PTS_DTS_flags 01 is forbidden");
    if (flags & 2) {
      pes.pts = read_ts_timestamp(&raw[9], flags == 3 ? 0x3 : 0x2);
      if (!pes.pts) error(at, "PTS marker bits or prefix wrong");
    }
    if (flags == 3) {
      pes.dts = read_ts_timestamp(&raw[14], 0x1);
      if (!pes.dts) error(at, "DTS marker bits or prefix wrong");
    }
    if (pes.declared_length != 0 && pes.declared_length != raw.size() - 6) {
      error(at, fmt::format("PES_packet_length {} but {} bytes follow it", pes.declared_length, raw.size() - 6));
    }
    pes.data.assign(raw.begin() + long(9 + header_length), raw.end());
    out_.pes.push_back(std::move(pes));
  }

  TsContents out_;
  std::map<uint16_t, uint8_t> last_cc_;
  std::map<uint16_t, TsPes> open_;
  std::map<uint16_t, std::vector<uint8_t>> raw_;
  uint16_t pmt_pid_ = 0xffff;
};

inline TsContents read_ts(std::span<const uint8_t> ts) { return TsReader().read(ts); }

// The NAL unit types of an Annex B byte stream, in order.
inline std::vector<int> annexb_nal_types(std::span<const uint8_t> es) {
  std::vector<int> types;
  for (size_t i = 0; i + 3 < es.size(); ++i) {
    if (es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1) {
      types.push_back(es[i + 3] & 0x1f);
      i += 2;
    }
  }
  return types;
}

}  // namespace relaycast::test
