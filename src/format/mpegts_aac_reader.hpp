#pragma once
// AAC in MPEG-TS (stream_type 0x0f): ADTS frames in PES packets. Made into what the
// rest of the server carries: an AudioSpecificConfig when the ADTS headers change,
// and one raw AAC frame per packet.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/adts.hpp"
#include "media/media_packet.hpp"

namespace relaycast::mpegts {

class AacReader {
public:
  // One PES payload and its PTS (kTimebase, unwrapped; nullopt when the PES has none).
  // A PES may hold several ADTS frames and a frame may continue in the next PES: the
  // frames are timed from the PTS of the PES they start in, or at 1024 samples after
  // the previous one.
  //
  // Errors (the frames before the problem stay appended, the rest of the payload is
  // dropped): no ADTS syncword where a frame should start (Errc::malformed), a frame
  // with several raw data blocks (Errc::unsupported), no PTS yet (Errc::ignored).
  Result<void> read(std::span<const uint8_t> payload, std::optional<int64_t> pts, std::vector<MediaPacket>& out);

  // A gap in the stream: the start of a frame cut by it is dropped.
  void reset() { carry_.clear(); }

private:
  std::optional<aac::AdtsHeader> config_;
  std::vector<uint8_t> carry_;       // a frame that continues in the next PES
  std::optional<int64_t> base_pts_;  // the last PTS...
  uint64_t samples_since_base_ = 0;  // ...and the samples of the frames since
};

}  // namespace relaycast::mpegts
