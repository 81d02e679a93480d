#pragma once
// What the fMP4/CMAF muxer needs to know about a track, and the samples it carries.
// Shared by the init segment (which describes the tracks) and the fragments (which
// carry their samples).
#include <cstdint>
#include <span>
#include <string>

#include "core/buffer.hpp"
#include "core/error.hpp"
#include "media/media_packet.hpp"

namespace relaycast::fmp4 {

struct TrackInfo {
  uint32_t track_id = 0;  // non-zero, unique within a presentation
  TrackKind kind = TrackKind::video;
  Codec codec = Codec::none;
  // H.264: the AVCDecoderConfigurationRecord; HEVC: the HEVCDecoderConfigurationRecord;
  // AAC: the AudioSpecificConfig. Exactly
  // what a config MediaPacket carries.
  Buffer config;
  // Units per second of the track's media timeline: 90000 for video (kTimebase, so
  // video timestamps pass unchanged), the sample rate for audio (so an AAC frame is
  // exactly 1024 units).
  uint32_t timescale = 0;
};

// One access unit: for H.264/HEVC the length-prefixed NAL units of a picture, with the
// length size of the track's avcC/hvcC; for AAC one raw frame.
struct Sample {
  uint32_t track_id = 0;
  int64_t dts = 0;  // kTimebase (90 kHz) ticks
  int64_t pts = 0;  // kTimebase ticks
  // kTimebase ticks until the next sample of the track (its dts minus this dts).
  uint32_t duration = 0;
  bool keyframe = false;
  Buffer data;
};

// A TrackInfo for the config packet of a track (packet.config set), with the timescale
// the muxer prefers: 90 kHz for video, the (output) sample rate for AAC. Fails as
// describe_track() does.
Result<TrackInfo> track_from_config(uint32_t track_id, const MediaPacket& config);

// What the sample entries and the CODECS attribute need, read from the config.
struct TrackDetails {
  uint32_t width = 0;  // video, displayed size from the SPS
  uint32_t height = 0;
  uint32_t sample_rate = 0;  // audio, Hz after SBR
  uint8_t channels = 0;      // audio
  std::string codec_string;  // RFC 6381: "avc1.64001f", "mp4a.40.2"
};

// Whether the fMP4 muxer can carry a track of this kind and codec: H.264 or HEVC
// video, AAC audio. Outputs skip other tracks (AV1 and VP9 passed through from Enhanced RTMP).
inline bool carries(TrackKind kind, Codec codec) {
  return kind == TrackKind::video ? codec == Codec::h264 || codec == Codec::hevc
                                  : kind == TrackKind::audio && codec == Codec::aac;
}

// Parses the track's config. Errors say which track and why: Errc::unsupported for a
// codec the muxer cannot carry, Errc::malformed for a missing or broken config.
Result<TrackDetails> describe_track(const TrackInfo& track);

// Checks the track list itself: not empty, ids non-zero and unique, timescales set.
Result<void> check_tracks(std::span<const TrackInfo> tracks);

// The HLS CODECS attribute (RFC 8216bis 4.4.6.2): the RFC 6381 strings of the tracks
// in order, comma-separated: "avc1.64001f,mp4a.40.2".
Result<std::string> codecs_attribute(std::span<const TrackInfo> tracks);

// kTimebase ticks -> `timescale` units, rounded down. Exact integer math on an absolute
// time: callers convert both ends of an interval rather than summing converted
// durations, so 90 kHz -> 44100 Hz never drifts.
inline int64_t to_track_time(int64_t ticks, uint32_t timescale) {
  // Split so that ticks * timescale cannot overflow: r * timescale < 90000 * 2^32.
  int64_t q = ticks / kTimebase;
  int64_t r = ticks % kTimebase;
  if (r < 0) {
    r += kTimebase;
    --q;
  }
  return q * int64_t(timescale) + r * int64_t(timescale) / kTimebase;
}

}  // namespace relaycast::fmp4
