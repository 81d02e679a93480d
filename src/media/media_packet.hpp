#pragma once
// The unit that flows from an ingest session through a Stream to every output.
#include <cstdint>
#include <string_view>

#include "core/buffer.hpp"

namespace relaycast {

enum class TrackKind : uint8_t { video, audio, data };

enum class Codec : uint8_t { none, h264, hevc, av1, vp9, aac, mp3, opus, script };

std::string_view to_string(Codec codec);
std::string_view to_string(TrackKind kind);

// All timestamps inside relaycast are in this timebase; RTMP/FLV milliseconds and
// MPEG-TS 90 kHz convert exactly into it.
inline constexpr int64_t kTimebase = 90000;
inline constexpr int64_t ms_to_ticks(int64_t ms) { return ms * 90; }
inline constexpr int64_t ticks_to_ms(int64_t ticks) { return ticks / 90; }

struct MediaPacket {
  TrackKind kind = TrackKind::video;
  Codec codec = Codec::none;
  int64_t dts = 0;  // in kTimebase
  int64_t pts = 0;  // in kTimebase
  bool keyframe = false;
  // The payload is decoder configuration (AVCDecoderConfigurationRecord,
  // AudioSpecificConfig), not a frame. Configs travel in band, in order with the
  // frames they apply to.
  bool config = false;
  // The source changed before this packet (a relay failed over to another origin):
  // timestamps continue but the encoder may not, so segmenters start afresh here (an
  // HLS EXT-X-DISCONTINUITY). Set on the first packet from the new source.
  bool discontinuity = false;
  // video: length-prefixed NAL units (AVCC/HVCC); audio: one raw AAC frame;
  // data: AMF0 values of a script tag (onMetaData without @setDataFrame).
  Buffer payload;
};

}  // namespace relaycast
