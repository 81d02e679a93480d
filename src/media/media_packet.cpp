#include "media/media_packet.hpp"

namespace relaycast {

std::string_view to_string(Codec codec) {
  switch (codec) {
    case Codec::none: return "none";
    case Codec::h264: return "h264";
    case Codec::hevc: return "hevc";
    case Codec::av1: return "av1";
    case Codec::vp9:
      return "vp9";
    case Codec::aac: return "aac";
    case Codec::mp3: return "mp3";
    case Codec::opus: return "opus";
    case Codec::script: return "script";
  }
  return "unknown";
}

std::string_view to_string(TrackKind kind) {
  switch (kind) {
    case TrackKind::video: return "video";
    case TrackKind::audio: return "audio";
    case TrackKind::data: return "data";
  }
  return "unknown";
}

}  // namespace relaycast
