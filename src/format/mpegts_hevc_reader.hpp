#pragma once
// HEVC in MPEG-TS (ISO/IEC 13818-1 2.17, stream_type 0x24): one access unit per PES, in
// Annex B, with the VPS/SPS/PPS in band before IRAP pictures. Made into what the rest
// of the server carries: an HEVCDecoderConfigurationRecord when the parameter sets
// change, and frames of length-prefixed NAL units (4-byte lengths).
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/media_packet.hpp"

namespace relaycast::mpegts {

class HevcReader {
public:
  // One access unit (a PES payload) with its timestamps (kTimebase, unwrapped).
  // Appends a config packet first when the access unit brings a VPS/SPS/PPS set that
  // differs from the last one, then the frame; access unit delimiters, filler data and
  // the parameter sets themselves are left out of the frame (they travel in the
  // config). keyframe: the access unit holds an IRAP picture (IDR, CRA, BLA).
  //
  // Errors (what was appended stays): an SPS that does not parse (Errc::malformed /
  // truncated); a frame before any parameter sets (Errc::ignored: a receiver joining
  // mid-GOP waits for the next IRAP picture's); an access unit without NAL units
  // (Errc::malformed).
  Result<void> read(std::span<const uint8_t> access_unit, int64_t pts, int64_t dts, std::vector<MediaPacket>& out);

  bool has_config() const { return !config_.empty(); }

private:
  std::vector<uint8_t> vps_, sps_, pps_;  // the newest of each seen
  std::vector<uint8_t> config_;           // the record sent last
  std::vector<std::span<const uint8_t>> nals_;  // reused
};

}  // namespace relaycast::mpegts
