#pragma once
// H.264 in MPEG-TS (ISO/IEC 13818-1 2.14): one access unit per PES, in Annex B, with
// the parameter sets in band before keyframes. Made into what the rest of the server
// carries: an AVCDecoderConfigurationRecord when the SPS/PPS change, and frames of
// length-prefixed NAL units (AVCC, 4-byte lengths).
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/media_packet.hpp"

namespace relaycast::mpegts {

class H264Reader {
public:
  // One access unit (a PES payload) with its timestamps (kTimebase, unwrapped).
  // Appends a config packet first when the access unit brings an SPS/PPS pair that
  // differs from the last one, then the frame; access unit delimiters, filler data and
  // the parameter sets themselves are left out of the frame (they travel in the
  // config). keyframe: the access unit holds an IDR slice.
  //
  // Errors (what was appended stays): an SPS that does not parse (Errc::malformed);
  // a frame before any SPS/PPS (Errc::ignored: a receiver joining a stream mid-GOP
  // waits for the next keyframe's parameter sets); an access unit without NAL units
  // (Errc::malformed).
  Result<void> read(std::span<const uint8_t> access_unit, int64_t pts, int64_t dts, std::vector<MediaPacket>& out);

  bool has_config() const { return !config_.empty(); }

private:
  std::vector<uint8_t> sps_, pps_;  // of the config sent last
  std::vector<uint8_t> config_;
  std::vector<std::span<const uint8_t>> nals_;  // reused
};

}  // namespace relaycast::mpegts
