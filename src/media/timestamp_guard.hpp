#pragma once
// Checks a publisher's timestamps per track before they enter a Stream. RTMP gives
// 32-bit milliseconds that wrap after 49.7 days; this unwraps them. A small step back
// (jitter some encoders have between audio and video) is clamped so every track's
// dts never decreases; a big one means a broken or restarted encoder and is an error.
#include <array>
#include <cstdint>
#include <optional>

#include "core/error.hpp"
#include "media/media_packet.hpp"

namespace relaycast {

class TimestampGuard {
public:
  explicit TimestampGuard(int64_t max_backstep_ms) : max_backstep_(ms_to_ticks(max_backstep_ms)) {}

  // Unwraps a 32-bit millisecond timestamp into the 90 kHz timebase.
  int64_t unwrap_ms(uint32_t ms);
  // Fixes up `packet` in place, or says why its timestamp cannot be accepted.
  Result<void> check(MediaPacket& packet);

private:
  int64_t max_backstep_;
  std::optional<uint32_t> last_ms_;
  int64_t wraps_ = 0;
  std::array<std::optional<int64_t>, 3> last_dts_;  // per TrackKind
};

}  // namespace relaycast
