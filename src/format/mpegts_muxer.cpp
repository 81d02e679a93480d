#include "format/mpegts_muxer.hpp"

#include <algorithm>
#include <array>

#include "format/annexb.hpp"
#include "format/mpegts_pes.hpp"

namespace relaycast::mpegts {

TsMuxer::TsMuxer(TsMuxerConfig config) : config_(config) {
  std::vector<ElementaryStream> streams;
  if (config_.has_video)
    streams.push_back({config_.video_codec == Codec::hevc ? kStreamTypeHevc : kStreamTypeH264, kVideoPid});
  if (config_.has_audio) streams.push_back({kStreamTypeAacAdts, kAudioPid});
  const uint16_t pcr_pid = streams.empty() ? kNullPid : pcr_writer().pid();
  pat_ = pat_section(kTransportStreamId, kProgramNumber, kPmtPid);
  pmt_ = pmt_section(kProgramNumber, pcr_pid, streams);
}

Result<void> TsMuxer::set_video_config(std::span<const uint8_t> record) {
  if (config_.video_codec == Codec::hevc) {
    auto config = hevc::parse_hevc_decoder_config(record);
    if (!config) return std::unexpected(std::move(config.error()).context("mpegts: HEVC config"));
    hevc_config_ = std::move(*config);
    return {};
  }
  auto config = h264::parse_avc_decoder_config(record);
  if (!config) return std::unexpected(std::move(config.error()).context("mpegts: H.264 config"));
  avc_config_ = std::move(*config);
  return {};
}

Result<void> TsMuxer::set_audio_config(std::span<const uint8_t> audio_specific_config) {
  auto config = aac::parse_audio_specific_config(audio_specific_config);
  if (!config) return std::unexpected(std::move(config.error()).context("mpegts: AAC config"));
  if (auto header = aac::make_adts_header(*config, 0); !header) {
    return std::unexpected(std::move(header.error()).context("mpegts: AAC config"));
  }
  audio_config_ = *config;
  return {};
}

void TsMuxer::write_tables(std::vector<uint8_t>& out) {
  pat_writer_.write_section(pat_, out);
  pmt_writer_.write_section(pmt_, out);
}

Result<void> TsMuxer::write_packet(const MediaPacket& packet, std::vector<uint8_t>& out) {
  if (packet.kind == TrackKind::data) return fail(Errc::ignored, "mpegts: data packets are not carried");
  const bool video = packet.kind == TrackKind::video;
  if (!(video ? config_.has_video : config_.has_audio)) {
    return fail(Errc::unsupported, "mpegts: {} packet, but the muxer has no {} track", to_string(packet.kind),
                to_string(packet.kind));
  }
  const Codec expected = video ? config_.video_codec : Codec::aac;
  if (packet.codec != expected) {
    return fail(Errc::unsupported, "mpegts: {} {} is not supported, only {}", to_string(packet.codec),
                to_string(packet.kind), to_string(expected));
  }
  if (packet.config) {
    return video ? set_video_config(packet.payload.span()) : set_audio_config(packet.payload.span());
  }
  if (packet.payload.empty()) return fail(Errc::ignored, "mpegts: empty {} frame", to_string(packet.kind));
  return video ? write_video(packet, out) : write_audio(packet, out);
}

Result<void> TsMuxer::write_video(const MediaPacket& packet, std::vector<uint8_t>& out) {
  const bool hevc = config_.video_codec == Codec::hevc;
  if (hevc ? !hevc_config_ : !avc_config_) {
    return fail(Errc::malformed, "mpegts: {} frame at dts {} before the video config ({})", hevc ? "HEVC" : "H.264",
                packet.dts, hevc ? "hvcC" : "avcC");
  }
  pieces_.assign(1, {});
  auto gathered = hevc ? annexb::gather_access_unit(packet.payload.span(), *hevc_config_, packet.keyframe, pieces_)
                       : annexb::gather_access_unit(packet.payload.span(), *avc_config_, packet.keyframe, pieces_);
  if (!gathered) {
    auto what = fmt::format("mpegts: {} frame at dts {}", hevc ? "HEVC" : "H.264", packet.dts);
    return std::unexpected(std::move(gathered.error()).context(what));
  }
  write_pes(video_, kStreamIdVideo, packet, packet.dts != packet.pts ? std::optional(packet.dts) : std::nullopt, out);
  return {};
}

Result<void> TsMuxer::write_audio(const MediaPacket& packet, std::vector<uint8_t>& out) {
  if (!audio_config_) {
    return fail(Errc::malformed, "mpegts: AAC frame at dts {} before the audio config (AudioSpecificConfig)",
                packet.dts);
  }
  // ISO/IEC 13818-7 6.2 / 2.4.4.9 stream_type 0x0f: AAC in TS is ADTS, which carries
  // the config in each frame's header since the PMT has no room for it.
  auto adts = aac::make_adts_header(*audio_config_, packet.payload.size());
  if (!adts) {
    auto what = fmt::format("mpegts: AAC frame at dts {}", packet.dts);
    return std::unexpected(std::move(adts.error()).context(what));
  }
  pieces_.assign(1, {});
  pieces_.push_back(*adts);
  pieces_.push_back(packet.payload.span());
  write_pes(audio_, kStreamIdAudio, packet, std::nullopt, out);
  return {};
}

void TsMuxer::write_pes(PidWriter& pid, uint8_t stream_id, const MediaPacket& packet, std::optional<int64_t> dts,
                        std::vector<uint8_t>& out) {
  // The PCR follows the DTS, never goes back, and starts at 0 rather than wrapping below it.
  const int64_t clock = std::max(packet.dts - kPcrDelay, last_pcr_.value_or(0));
  PesStart start{.random_access = packet.keyframe};
  if (&pid == &pcr_writer()) {
    start.pcr = clock;
    last_pcr_ = clock;
  } else if (!last_pcr_ || clock - *last_pcr_ >= kPcrInterval) {
    pcr_writer().write_pcr_only(clock, out);
    last_pcr_ = clock;
  }

  size_t payload_size = 0;
  for (size_t i = 1; i < pieces_.size(); ++i) payload_size += pieces_[i].size();
  std::array<uint8_t, kMaxPesHeaderSize> header;
  pieces_[0] = std::span(header).first(write_pes_header(stream_id, packet.pts, dts, payload_size, header.data()));
  pid.write_pes(start, pieces_, out);
  pieces_.clear();  // its ranges point into this frame and this stack frame
}

}  // namespace relaycast::mpegts
