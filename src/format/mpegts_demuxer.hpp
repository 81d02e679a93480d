#pragma once
// MPEG-TS demuxer (ISO/IEC 13818-1), sans-IO: transport stream bytes in, in any
// slices, MediaPackets out, as an SRT publisher or a TS file delivers them. One
// program: the first of the PAT, its first video (H.264 or HEVC) and first AAC (ADTS)
// streams.
//
// A contribution link loses and garbles packets, so nothing in the input is an error
// of the demuxer: lost sync is found again on the next 0x47 that is followed by one
// 188 bytes later, a continuity counter that skips drops the PES it cuts (and the
// access unit with it), a bad PES or section is dropped, and all of it is counted
// (stats()) and described (take_problems()) for the log. Timestamps come out on one
// 64-bit 90 kHz timeline, across the 33-bit wrap and across a clock that starts again
// (mpegts_timeline.hpp).
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "format/mpegts_aac_reader.hpp"
#include "format/mpegts_h264_reader.hpp"
#include "format/mpegts_hevc_reader.hpp"
#include "format/mpegts_timeline.hpp"
#include "media/media_packet.hpp"

namespace relaycast::mpegts {

struct TsDemuxerStats {
  uint64_t packets = 0;            // 188-byte packets read
  uint64_t bytes_skipped = 0;      // not part of any packet (looking for sync)
  uint64_t sync_losses = 0;        // times the sync byte was not where it should be
  uint64_t continuity_errors = 0;  // gaps in a PID's continuity counter (lost packets)
  uint64_t transport_errors = 0;   // packets with transport_error_indicator set
  uint64_t pes_dropped = 0;        // PES packets cut by a gap, malformed or over the size limit
  uint64_t psi_errors = 0;         // PAT/PMT sections that did not parse
  uint64_t frames_dropped = 0;     // access units the elementary stream readers refused
  uint64_t packets_out = 0;        // MediaPackets made, configs included
  uint64_t clock_resets = 0;       // times the source's clock started again (TsTimeline)
};

class TsDemuxer {
public:
  // The biggest PES we assemble: a 4K keyframe at a high bitrate fits easily.
  static constexpr size_t kMaxPesSize = 16 * 1024 * 1024;
  static constexpr size_t kMaxProblems = 32;
  // How long packets wait at the start for the configurations of the other streams.
  static constexpr int64_t kConfigWait = ms_to_ticks(1000);
  static constexpr size_t kMaxHeld = 512;

  TsDemuxer();

  // Appends the MediaPackets that `bytes` completes to `out` (not cleared). At the
  // start they are held until every stream of the PMT has its configuration (at most
  // kConfigWait of media), then come out configurations first, as from RTMP.
  void feed(std::span<const uint8_t> bytes, std::vector<MediaPacket>& out);
  // End of input: the PES still open (video PES have no length and end only when the
  // next one starts) are complete now.
  void finish(std::vector<MediaPacket>& out);

  const TsDemuxerStats& stats() const { return stats_; }
  // What went wrong since the last call, oldest first; past kMaxProblems only counted.
  std::vector<Error> take_problems();
  bool has_video() const { return video_pid_.has_value(); }
  bool has_audio() const { return audio_pid_.has_value(); }

private:
  enum class PidKind { pat, pmt, h264, aac, hevc };
  struct PidState {
    PidKind kind;
    std::optional<uint8_t> continuity;
    bool open = false;     // inside a PES or section
    std::vector<uint8_t> bytes;  // the PES or section so far
  };

  void read_packet(const uint8_t* packet, std::vector<MediaPacket>& out);
  void read_section_payload(uint16_t pid, PidState& state, bool unit_start, std::span<const uint8_t> payload);
  void read_section(uint16_t pid, std::span<const uint8_t> section);
  void read_pes_payload(uint16_t pid, PidState& state, bool unit_start, std::span<const uint8_t> payload,
                        std::vector<MediaPacket>& out);
  void complete_pes(uint16_t pid, PidState& state, std::vector<MediaPacket>& out);
  void drop_open_unit(PidState& state);
  void hold_until_configured(std::vector<MediaPacket>& out, size_t from);
  void release_held(std::vector<MediaPacket>& out);
  void set_streams(std::optional<uint16_t> video, PidKind video_kind, std::optional<uint16_t> audio);
  template <class... Args>
  void problem(Errc code, fmt::format_string<Args...> f, Args&&... args);

  std::vector<uint8_t> pending_;  // input not yet cut into packets
  bool synced_ = false;
  std::map<uint16_t, PidState> pids_;
  std::optional<uint16_t> pmt_pid_;
  std::optional<uint16_t> video_pid_, audio_pid_, pcr_pid_;
  std::optional<uint8_t> pmt_version_;
  TsTimeline timeline_;
  H264Reader h264_;
  HevcReader hevc_;
  AacReader aac_;
  TsDemuxerStats stats_;
  std::vector<MediaPacket> held_;  // until every stream has its configuration
  bool released_ = false;
  std::deque<Error> problems_;
};

}  // namespace relaycast::mpegts
