#pragma once
// MPEG-TS muxer for HLS segments (ISO/IEC 13818-1), sans-IO: MediaPackets in, 188-byte
// transport stream packets appended to a byte vector out. One program with H.264 or
// HEVC video and/or AAC audio:
//
//   PID 0x0000  PAT
//   PID 0x1000  PMT (program 1)
//   PID 0x0100  H.264, stream_type 0x1b, or HEVC, stream_type 0x24: Annex B with an
//               access unit delimiter first, parameter sets before keyframes
//   PID 0x0101  AAC, stream_type 0x0f, one ADTS frame per PES
//   PCR on the video PID, or on the audio PID when there is no video track.
//
// These are the PIDs FFmpeg's HLS muxer uses, so our segments look familiar in an
// analyser next to FFmpeg's. The caller cuts segments: write_tables() at the start of
// each (every segment must be decodable alone), then the packets. Counters and the
// clock continue across segments, as players expect within one playlist; start a new
// TsMuxer for a new playlist or after a discontinuity.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "format/mpegts_pid_writer.hpp"
#include "format/mpegts_psi.hpp"
#include "media/aac.hpp"
#include "media/h264.hpp"
#include "media/hevc_config_record.hpp"
#include "media/media_packet.hpp"

namespace relaycast::mpegts {

inline constexpr uint16_t kPmtPid = 0x1000;
inline constexpr uint16_t kVideoPid = 0x100;
inline constexpr uint16_t kAudioPid = 0x101;
inline constexpr uint16_t kTransportStreamId = 1;
inline constexpr uint16_t kProgramNumber = 1;

// The PCR runs this far behind the DTS of the PES it is sent with, so a frame arrives
// before the decoder's clock reaches its decode time (the T-STD has room to buffer),
// also when the publisher interleaves audio a little out of DTS order. Until the
// stream's DTS passes this, the PCR stays at 0 rather than wrap below it.
inline constexpr int64_t kPcrDelay = ms_to_ticks(200);
// 2.7.2 wants a PCR at most 100 ms after the last one. Every PES on the PCR PID has
// one; when that PID is quieter than this, the other track's PES gets a PCR-only packet
// before it. 100 ms minus an AAC frame (~23 ms), so the gap stays under the limit.
inline constexpr int64_t kPcrInterval = ms_to_ticks(75);

struct TsMuxerConfig {
  bool has_video = true;
  bool has_audio = true;  // AAC
  Codec video_codec = Codec::h264;  // or Codec::hevc
};

// Whether MPEG-TS (this muxer) can carry video of this codec.
inline bool carries_video(Codec codec) { return codec == Codec::h264 || codec == Codec::hevc; }

class TsMuxer {
public:
  explicit TsMuxer(TsMuxerConfig config);

  // ISO/IEC 14496-15 AVCDecoderConfigurationRecord (H.264) or
  // HEVCDecoderConfigurationRecord (HEVC), as config.video_codec says: the parameter
  // sets to repeat before each keyframe, and the NAL unit length size of the frames. A
  // new config applies from the next frame on.
  Result<void> set_video_config(std::span<const uint8_t> record);
  const TsMuxerConfig& config() const { return config_; }
  // ISO/IEC 14496-3 AudioSpecificConfig: what every ADTS header says. Configs ADTS
  // cannot describe (channel configuration 0, object types above LTP) are
  // Errc::unsupported here rather than at the first frame.
  Result<void> set_audio_config(std::span<const uint8_t> audio_specific_config);

  // PAT + PMT, for the start of every segment.
  void write_tables(std::vector<uint8_t>& out);

  // One access unit as a PES in TS packets appended to `out`; on error nothing is
  // appended. Config packets (packet.config) go to set_video_config() /
  // set_audio_config() and write nothing.
  //
  // Video: Annex B (see annexb::gather_access_unit), PTS and DTS, a PCR in the first
  // packet of every PES, random_access_indicator on keyframes. Audio: an ADTS header in
  // front of the raw frame, PTS only, random_access_indicator (every AAC frame is a
  // random access point). Timestamps wrap modulo 2^33.
  //
  // Errors: a frame before its track's config (Errc::malformed, naming the track), NAL
  // unit lengths that overrun the payload (Errc::truncated), a track this muxer was not
  // configured for or a codec other than its video codec/AAC (Errc::unsupported), empty frames and
  // data packets, which TS segments do not carry (Errc::ignored: drop them quietly).
  Result<void> write_packet(const MediaPacket& packet, std::vector<uint8_t>& out);

private:
  Result<void> write_video(const MediaPacket& packet, std::vector<uint8_t>& out);
  Result<void> write_audio(const MediaPacket& packet, std::vector<uint8_t>& out);
  // pieces_[0] is the PES header's place; the payload ranges follow.
  void write_pes(PidWriter& pid, uint8_t stream_id, const MediaPacket& packet, std::optional<int64_t> dts,
                 std::vector<uint8_t>& out);
  PidWriter& pcr_writer() { return config_.has_video ? video_ : audio_; }

  TsMuxerConfig config_;
  std::vector<uint8_t> pat_;
  std::vector<uint8_t> pmt_;
  PidWriter pat_writer_{kPatPid};
  PidWriter pmt_writer_{kPmtPid};
  PidWriter video_{kVideoPid};
  PidWriter audio_{kAudioPid};
  std::optional<h264::AvcDecoderConfig> avc_config_;
  std::optional<hevc::HevcDecoderConfig> hevc_config_;
  std::optional<aac::AacConfig> audio_config_;
  // The last PCR sent, in kTimebase, not wrapped: PCRs never go back.
  std::optional<int64_t> last_pcr_;
  // Reused for every packet, so that muxing does not allocate once warmed up.
  std::vector<std::span<const uint8_t>> pieces_;
};

}  // namespace relaycast::mpegts
