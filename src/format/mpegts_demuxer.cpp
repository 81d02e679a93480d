#include "format/mpegts_demuxer.hpp"

#include <algorithm>
#include <iterator>

#include "core/byte_io.hpp"
#include "format/mpegts_pes_reader.hpp"
#include "format/mpegts_pid_writer.hpp"
#include "format/mpegts_psi_reader.hpp"

namespace relaycast::mpegts {
namespace {

// PAT and PMT sections are at most 1024 bytes (2.4.4.4, 2.4.4.9).
constexpr size_t kMaxSectionSize = 1024;

}  // namespace

// Only the PAT's PID is known at first; it names the PMT's, which names the rest.
TsDemuxer::TsDemuxer() { pids_[kPatPid] = PidState{.kind = PidKind::pat}; }

template <class... Args>
void TsDemuxer::problem(Errc code, fmt::format_string<Args...> f, Args&&... args) {
  if (problems_.size() >= kMaxProblems) return;
  problems_.emplace_back(code, fmt::format(f, std::forward<Args>(args)...));
}

std::vector<Error> TsDemuxer::take_problems() {
  std::vector<Error> out(std::make_move_iterator(problems_.begin()), std::make_move_iterator(problems_.end()));
  problems_.clear();
  return out;
}

void TsDemuxer::feed(std::span<const uint8_t> bytes, std::vector<MediaPacket>& out) {
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  size_t pos = 0;
  while (pending_.size() - pos >= kPacketSize) {
    // A packet starts at a 0x47 followed by another one 188 bytes later: a lone 0x47 is
    // as likely a payload byte, or garbage that happens to start with it. So a packet
    // waits for the first byte of the next (finish() takes the very last one): with
    // SRT's 7 packets per message that holds back one packet until the next message.
    if (pending_.size() - pos < 2 * kPacketSize) break;
    if (pending_[pos] != kSyncByte || pending_[pos + kPacketSize] != kSyncByte) {
      if (synced_) {
        ++stats_.sync_losses;
        problem(Errc::malformed, "lost sync after packet {}: no packet starts at the expected byte", stats_.packets);
        synced_ = false;
      }
      ++pos;
      ++stats_.bytes_skipped;
      continue;
    }
    synced_ = true;
    read_packet(pending_.data() + pos, out);
    pos += kPacketSize;
  }
  pending_.erase(pending_.begin(), pending_.begin() + ptrdiff_t(pos));
}

void TsDemuxer::finish(std::vector<MediaPacket>& out) {
  // A last packet that could not be confirmed by the next one's sync byte.
  size_t used = 0;
  if (pending_.size() >= kPacketSize && pending_[0] == kSyncByte) {
    read_packet(pending_.data(), out);
    used = kPacketSize;
  }
  stats_.bytes_skipped += pending_.size() - used;
  pending_.clear();
  synced_ = false;
  for (auto& [pid, state] : pids_) {
    if (state.open && state.kind != PidKind::pat && state.kind != PidKind::pmt) complete_pes(pid, state, out);
  }
  release_held(out);
}

void TsDemuxer::drop_open_unit(PidState& state) {
  if (state.open && state.kind != PidKind::pat && state.kind != PidKind::pmt) ++stats_.pes_dropped;
  if (state.kind == PidKind::aac) aac_.reset();
  state.open = false;
  state.bytes.clear();
}

// 2.4.3.2 transport_packet:
//   sync_byte 8 | transport_error_indicator 1 | payload_unit_start_indicator 1 |
//   transport_priority 1 | PID 13 | transport_scrambling_control 2 |
//   adaptation_field_control 2 | continuity_counter 4
void TsDemuxer::read_packet(const uint8_t* p, std::vector<MediaPacket>& out) {
  ++stats_.packets;
  const bool transport_error = p[1] & 0x80;
  const bool unit_start = p[1] & 0x40;
  const uint16_t pid = load_u16be(p + 1) & 0x1fff;
  const uint8_t scrambling = p[3] >> 6;
  const uint8_t adaptation_control = p[3] >> 4 & 0x3;
  const uint8_t continuity = p[3] & 0xf;

  auto it = pids_.find(pid);
  if (it == pids_.end()) return;  // null packets, SDT, streams we do not read
  PidState& state = it->second;
  if (transport_error) {
    ++stats_.transport_errors;
    problem(Errc::malformed, "PID {}: packet {} has transport_error_indicator set", pid, stats_.packets);
    drop_open_unit(state);
    state.continuity.reset();
    return;
  }
  if (adaptation_control == 0) return;  // reserved: "discard" (2.4.3.3)
  if (scrambling != 0) {
    problem(Errc::unsupported, "PID {}: scrambled packets cannot be read", pid);
    drop_open_unit(state);
    return;
  }

  size_t payload_offset = kPacketHeaderSize;
  bool discontinuity = false;
  if (adaptation_control & 0x2) {
    // 2.4.3.4 adaptation_field: length, then flags (discontinuity_indicator first).
    const size_t length = p[4];
    const size_t max_length = adaptation_control == 0x3 ? 182 : 183;
    if (length > max_length) {
      problem(Errc::malformed, "PID {}: adaptation_field_length {} over {}", pid, length, max_length);
      drop_open_unit(state);
      state.continuity.reset();
      return;
    }
    if (length > 0) discontinuity = p[5] & 0x80;
    payload_offset += 1 + length;
  }
  // The PCR PID announces a new clock for what follows this packet's payload (which
  // may end the last PES of the old one).
  const bool new_clock = discontinuity && pcr_pid_ == pid;
  if (!(adaptation_control & 0x1)) {  // no payload: the counter does not move
    if (new_clock) timeline_.announce_discontinuity();
    return;
  }

  // 2.4.3.3: the counter steps by one per packet with payload; a repeat of the last
  // packet may come once (and is dropped); anything else lost packets, unless the
  // adaptation field announced a discontinuity.
  if (state.continuity && !discontinuity) {
    if (continuity == *state.continuity) return;
    const uint8_t expected = uint8_t((*state.continuity + 1) & 0xf);
    if (continuity != expected) {
      ++stats_.continuity_errors;
      problem(Errc::truncated, "PID {}: continuity counter {} after {}: packets lost, the unit they cut is dropped",
              pid, continuity, *state.continuity);
      drop_open_unit(state);
    }
  }
  state.continuity = continuity;

  const std::span<const uint8_t> payload(p + payload_offset, kPacketSize - payload_offset);
  if (state.kind == PidKind::pat || state.kind == PidKind::pmt)
    read_section_payload(pid, state, unit_start, payload);
  else
    read_pes_payload(pid, state, unit_start, payload, out);
  if (new_clock) timeline_.announce_discontinuity();
}

// 2.4.4.1-2.4.4.2: a section may start anywhere after the pointer_field and run over
// several packets; 0xff after a section is stuffing up to the end of the packet.
void TsDemuxer::read_section_payload(uint16_t pid, PidState& state, bool unit_start,
                                     std::span<const uint8_t> payload) {
  if (unit_start) {
    const size_t pointer = payload[0];
    if (pointer + 1 > payload.size()) {
      ++stats_.psi_errors;
      problem(Errc::malformed, "PID {}: pointer_field {} past the packet", pid, pointer);
      drop_open_unit(state);
      return;
    }
    if (state.open) state.bytes.insert(state.bytes.end(), payload.begin() + 1, payload.begin() + 1 + ptrdiff_t(pointer));
    // A section that the previous packets began and the pointer ends.
    if (state.open && section_size(state.bytes) && state.bytes.size() >= *section_size(state.bytes))
      read_section(pid, std::span(state.bytes).first(*section_size(state.bytes)));
    state.bytes.assign(payload.begin() + 1 + ptrdiff_t(pointer), payload.end());
    state.open = true;
  } else {
    if (!state.open) return;
    state.bytes.insert(state.bytes.end(), payload.begin(), payload.end());
  }
  // Every whole section in what we have; what follows the last one is either stuffing
  // or the start of the next.
  while (state.open) {
    if (!state.bytes.empty() && state.bytes[0] == 0xff) {
      state.open = false;
      state.bytes.clear();
      break;
    }
    const auto size = section_size(state.bytes);
    if (!size) break;
    if (*size > kMaxSectionSize) {
      ++stats_.psi_errors;
      problem(Errc::malformed, "PID {}: section of {} bytes over the {}-byte limit", pid, *size, kMaxSectionSize);
      state.open = false;
      state.bytes.clear();
      break;
    }
    if (state.bytes.size() < *size) break;
    // The section is read from a copy: reading a PAT may change pids_ (not this entry,
    // but keep the bytes stable anyway).
    std::vector<uint8_t> section(state.bytes.begin(), state.bytes.begin() + ptrdiff_t(*size));
    state.bytes.erase(state.bytes.begin(), state.bytes.begin() + ptrdiff_t(*size));
    read_section(pid, section);
    if (state.bytes.empty()) state.open = false;
  }
}

void TsDemuxer::read_section(uint16_t pid, std::span<const uint8_t> section) {
  if (pid == kPatPid) {
    if (section[0] != 0x00) return;  // not a PAT (2.4.4.4)
    auto programs = parse_pat(section);
    if (!programs) {
      ++stats_.psi_errors;
      problem(Errc::malformed, "{}", programs.error().message());
      return;
    }
    if (programs->empty()) return;
    const uint16_t pmt = programs->front().pmt_pid;
    if (pmt_pid_ == pmt) return;
    if (pmt == kPatPid || pmt == kNullPid || pmt == video_pid_ || pmt == audio_pid_) {
      ++stats_.psi_errors;
      problem(Errc::malformed, "PAT: program map PID {} is already taken", pmt);
      return;
    }
    if (pmt_pid_) pids_.erase(*pmt_pid_);
    pmt_pid_ = pmt;
    pmt_version_.reset();
    pids_[pmt] = PidState{.kind = PidKind::pmt};
    return;
  }
  if (section[0] != 0x02) return;  // other tables on the PMT PID
  auto map = parse_pmt(section);
  if (!map) {
    ++stats_.psi_errors;
    problem(Errc::malformed, "{}", map.error().message());
    return;
  }
  if (pmt_version_ == map->version) return;
  pmt_version_ = map->version;
  pcr_pid_ = map->pcr_pid;
  std::optional<uint16_t> video, audio;
  PidKind video_kind = PidKind::h264;
  for (const auto& es : map->streams) {
    if (es.pid == kPatPid || es.pid == pid || es.pid == kNullPid) continue;
    const bool video_type = es.stream_type == kStreamTypeH264 || es.stream_type == kStreamTypeHevc;
    if (video_type && !video) {
      video = es.pid;
      video_kind = es.stream_type == kStreamTypeHevc ? PidKind::hevc : PidKind::h264;
    } else if (es.stream_type == kStreamTypeAacAdts && !audio && es.pid != video) {
      audio = es.pid;
    } else {
      problem(Errc::unsupported, "PID {}: stream_type 0x{:02x} is not carried (H.264, HEVC and AAC ADTS are)", es.pid,
              es.stream_type);
    }
  }
  set_streams(video, video_kind, audio);
}

// RTMP publishers send every decoder configuration before the first frame, and the
// outputs rely on it: a recording or an HLS init segment starts with the tracks whose
// configurations it has. In a transport stream the configurations come with the
// first access unit of each stream, in whatever order the muxer interleaved them (an
// HEVC encoder's first picture often comes before the first AAC frame). So until every
// stream of the PMT has its configuration, or kConfigWait of media has gone by without
// it, packets are held, and then released configurations first.
void TsDemuxer::hold_until_configured(std::vector<MediaPacket>& out, size_t from) {
  if (released_) return;
  held_.insert(held_.end(), std::make_move_iterator(out.begin() + ptrdiff_t(from)), std::make_move_iterator(out.end()));
  out.resize(from);
  if (held_.empty()) return;
  auto configured = [&](TrackKind kind) {
    return std::any_of(held_.begin(), held_.end(), [&](const MediaPacket& p) { return p.kind == kind && p.config; });
  };
  const bool all = (!video_pid_ || configured(TrackKind::video)) && (!audio_pid_ || configured(TrackKind::audio));
  const auto [low, high] = std::minmax_element(held_.begin(), held_.end(), [](const MediaPacket& a, const MediaPacket& b) {
    return a.dts < b.dts;
  });
  if (all || high->dts - low->dts >= kConfigWait || held_.size() >= kMaxHeld) release_held(out);
}

void TsDemuxer::release_held(std::vector<MediaPacket>& out) {
  released_ = true;
  std::stable_partition(held_.begin(), held_.end(), [](const MediaPacket& p) { return p.config; });
  out.insert(out.end(), std::make_move_iterator(held_.begin()), std::make_move_iterator(held_.end()));
  held_.clear();
}

void TsDemuxer::set_streams(std::optional<uint16_t> video, PidKind video_kind, std::optional<uint16_t> audio) {
  auto keep = [&](std::optional<uint16_t>& current, std::optional<uint16_t> next, PidKind kind) {
    if (current && current != next) pids_.erase(*current);
    if (next && (!pids_.contains(*next) || pids_[*next].kind != kind)) pids_[*next] = PidState{.kind = kind};
    current = next;
  };
  keep(video_pid_, video, video_kind);
  keep(audio_pid_, audio, PidKind::aac);
}

void TsDemuxer::read_pes_payload(uint16_t pid, PidState& state, bool unit_start, std::span<const uint8_t> payload,
                                 std::vector<MediaPacket>& out) {
  if (unit_start) {
    if (state.open) complete_pes(pid, state, out);
    state.bytes.assign(payload.begin(), payload.end());
    state.open = true;
  } else {
    if (!state.open) return;  // joined in the middle of a PES, or after a gap dropped one
    if (state.bytes.size() + payload.size() > kMaxPesSize) {
      problem(Errc::too_large, "PID {}: PES over {} bytes dropped", pid, kMaxPesSize);
      drop_open_unit(state);
      return;
    }
    state.bytes.insert(state.bytes.end(), payload.begin(), payload.end());
  }
  // A PES with a length is complete as soon as it is all here (audio goes out without
  // waiting for the next one); PES_packet_length counts the bytes after its own field.
  if (state.bytes.size() >= 6) {
    const size_t length = load_u16be(&state.bytes[4]);
    if (length != 0 && state.bytes.size() >= 6 + length) complete_pes(pid, state, out);
  }
}

void TsDemuxer::complete_pes(uint16_t pid, PidState& state, std::vector<MediaPacket>& out) {
  state.open = false;
  std::vector<uint8_t> bytes;
  bytes.swap(state.bytes);
  auto drop = [&](const Error& e) {
    ++stats_.pes_dropped;
    problem(e.code() == make_error_code(Errc::unsupported) ? Errc::unsupported : Errc::malformed, "PID {}: PES dropped: {}",
            pid, e.message());
  };
  auto header = parse_pes_header(bytes);
  if (!header) return drop(header.error());
  size_t end = bytes.size();
  if (header->packet_length != 0) {
    if (6u + header->packet_length > bytes.size())
      return drop(Error(Errc::truncated, fmt::format("{} of its {} bytes arrived", bytes.size(),
                                                     6u + header->packet_length)));
    end = 6u + header->packet_length;
  }
  const auto es = std::span(bytes).subspan(header->header_size, end - header->header_size);
  const std::optional<int64_t> pts = header->pts ? std::optional(timeline_.unwrap(*header->pts)) : std::nullopt;
  const size_t before = out.size();
  Result<void> read;
  if (state.kind == PidKind::h264 || state.kind == PidKind::hevc) {
    const bool hevc = state.kind == PidKind::hevc;
    if (!pts) return drop(Error(Errc::malformed, fmt::format("{} access unit without a PTS", hevc ? "HEVC" : "H.264")));
    const int64_t dts = header->dts ? timeline_.unwrap(*header->dts) : *pts;
    read = hevc ? hevc_.read(es, *pts, dts, out) : h264_.read(es, *pts, dts, out);
  } else {
    read = aac_.read(es, pts, out);
  }
  stats_.packets_out += out.size() - before;
  if (timeline_.resets() != stats_.clock_resets) {
    stats_.clock_resets = timeline_.resets();
    problem(Errc::malformed,
            "PID {}: the source's clock started again (timestamps from {:.3f} s to {:.3f} s): an encoder restart? "
            "The stream goes on without a jump back",
            pid, double(timeline_.reset_from()) / kTimebase, double(timeline_.reset_to()) / kTimebase);
  }
  hold_until_configured(out, before);
  if (!read) {
    ++stats_.frames_dropped;
    if (!read.error().is(Errc::ignored)) problem(read.error().code() == make_error_code(Errc::unsupported) ? Errc::unsupported : Errc::malformed,
                                                 "PID {}: {}", pid, read.error().message());
  }
}

}  // namespace relaycast::mpegts
