#include "format/fmp4_track.hpp"

#include <algorithm>
#include <vector>

#include "media/aac.hpp"
#include "media/h264.hpp"
#include "media/hevc_config_record.hpp"

namespace relaycast::fmp4 {
namespace {

Result<TrackDetails> describe_h264(const TrackInfo& track) {
  auto record = h264::parse_avc_decoder_config(track.config.span());
  if (!record) return std::unexpected(std::move(record.error()).context("avcC record"));
  // The sample entry's width/height and the codec string come from the SPS; a record
  // without one cannot start a decoder anyway.
  if (record->sps.empty()) return fail(Errc::malformed, "avcC record has no SPS");
  auto sps = h264::parse_sps(record->sps.front());
  if (!sps) return std::unexpected(std::move(sps.error()).context("SPS in the avcC record"));
  return TrackDetails{
      .width = sps->width, .height = sps->height, .codec_string = h264::codec_string(*sps)};
}

Result<TrackDetails> describe_hevc(const TrackInfo& track) {
  auto record = hevc::parse_hevc_decoder_config(track.config.span());
  if (!record) return std::unexpected(std::move(record.error()).context("hvcC record"));
  if (record->sps.empty()) return fail(Errc::malformed, "hvcC record has no SPS");
  auto sps = hevc::parse_sps(record->sps.front());
  if (!sps) return std::unexpected(std::move(sps.error()).context("SPS in the hvcC record"));
  return TrackDetails{.width = sps->width, .height = sps->height, .codec_string = hevc::codec_string(sps->ptl)};
}

Result<TrackDetails> describe_aac(const TrackInfo& track) {
  auto config = aac::parse_audio_specific_config(track.config.span());
  if (!config) return std::unexpected(std::move(config.error()).context("AudioSpecificConfig"));
  if (config->channels == 0) return fail(Errc::unsupported, "AudioSpecificConfig has no channel count");
  return TrackDetails{.sample_rate = config->output_sample_rate,
                      .channels = config->channels,
                      .codec_string = aac::codec_string(*config)};
}

Result<TrackDetails> describe_codec(const TrackInfo& track) {
  const bool video = track.kind == TrackKind::video;
  const bool audio = track.kind == TrackKind::audio;
  if (track.codec == Codec::h264 && video) {
    if (track.config.empty()) return fail(Errc::malformed, "no decoder configuration (empty avcC record)");
    return describe_h264(track);
  }
  if (track.codec == Codec::hevc && video) {
    if (track.config.empty()) return fail(Errc::malformed, "no decoder configuration (empty hvcC record)");
    return describe_hevc(track);
  }
  if (track.codec == Codec::aac && audio) {
    if (track.config.empty()) return fail(Errc::malformed, "no decoder configuration (empty AudioSpecificConfig)");
    return describe_aac(track);
  }
  return fail(Errc::unsupported, "{} {} is not supported in fMP4 (only H.264/HEVC video and AAC audio)",
              to_string(track.kind), to_string(track.codec));
}

}  // namespace

Result<TrackDetails> describe_track(const TrackInfo& track) {
  auto details = describe_codec(track);
  if (!details) {
    return std::unexpected(
        std::move(details.error()).context(fmt::format("fmp4 track {} ({})", track.track_id, to_string(track.codec))));
  }
  return details;
}

Result<TrackInfo> track_from_config(uint32_t track_id, const MediaPacket& config) {
  if (!config.config) {
    return fail(Errc::malformed, "fmp4 track {} ({}): the packet is a frame, not a decoder configuration",
                track_id, to_string(config.codec));
  }
  TrackInfo track{.track_id = track_id, .kind = config.kind, .codec = config.codec, .config = config.payload};
  auto details = describe_track(track);
  if (!details) return std::unexpected(std::move(details.error()));
  track.timescale = track.kind == TrackKind::audio ? details->sample_rate : uint32_t(kTimebase);
  return track;
}

Result<void> check_tracks(std::span<const TrackInfo> tracks) {
  if (tracks.empty()) return fail(Errc::malformed, "fmp4: no tracks");
  std::vector<uint32_t> ids;
  for (const auto& track : tracks) {
    if (track.track_id == 0) return fail(Errc::malformed, "fmp4: track id 0 is reserved (ISO 14496-12 8.3.2)");
    if (track.timescale == 0) return fail(Errc::malformed, "fmp4 track {}: timescale is 0", track.track_id);
    if (std::ranges::find(ids, track.track_id) != ids.end()) {
      return fail(Errc::malformed, "fmp4: track id {} is used twice", track.track_id);
    }
    ids.push_back(track.track_id);
  }
  return {};
}

Result<std::string> codecs_attribute(std::span<const TrackInfo> tracks) {
  std::string out;
  for (const auto& track : tracks) {
    auto details = describe_track(track);
    if (!details) return std::unexpected(std::move(details.error()));
    if (!out.empty()) out += ',';
    out += details->codec_string;
  }
  return out;
}

}  // namespace relaycast::fmp4
