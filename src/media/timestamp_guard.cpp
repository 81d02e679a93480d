#include "media/timestamp_guard.hpp"

namespace relaycast {

int64_t TimestampGuard::unwrap_ms(uint32_t ms) {
  // A jump of more than half the range backwards is a wrap, not a step back.
  if (last_ms_ && ms < *last_ms_ && *last_ms_ - ms > 0x80000000u) ++wraps_;
  if (last_ms_ && ms > *last_ms_ && ms - *last_ms_ > 0x80000000u && wraps_ > 0) --wraps_;
  last_ms_ = ms;
  return ms_to_ticks(int64_t(ms) + (wraps_ << 32));
}

Result<void> TimestampGuard::check(MediaPacket& packet) {
  auto& last = last_dts_[size_t(packet.kind)];
  if (last && packet.dts < *last) {
    const int64_t back = *last - packet.dts;
    if (back > max_backstep_)
      return fail(Errc::malformed, "{} timestamp jumped back {} ms (from {} to {} ms)", to_string(packet.kind),
                  ticks_to_ms(back), ticks_to_ms(*last), ticks_to_ms(packet.dts));
    packet.pts += back;
    packet.dts = *last;
  }
  last = packet.dts;
  return {};
}

}  // namespace relaycast
