#pragma once
// MPEG-TS timestamps are 33 bits of 90 kHz and wrap every 26.5 hours (2^33 ticks); a
// long SRT contribution crosses that. This turns them into one 64-bit timeline that
// goes on across the wrap, shared by every stream of a program (they share one clock).
#include <cstdint>
#include <optional>

namespace relaycast::mpegts {

class TsTimeline {
public:
  static constexpr int64_t kWrap = int64_t(1) << 33;

  // The 64-bit value of `ts` (33 bits) closest to the last one given: timestamps of
  // audio and video interleave a little out of order and may step back, but never by
  // half a wrap (13 hours). The first value is taken as it is.
  int64_t unwrap(uint64_t ts) {
    const int64_t t = int64_t(ts & uint64_t(kWrap - 1));
    if (!last_) {
      last_ = t;
      return t;
    }
    int64_t v = (*last_ & ~(kWrap - 1)) + t;
    if (v - *last_ > kWrap / 2) v -= kWrap;
    else if (*last_ - v > kWrap / 2) v += kWrap;
    last_ = v;
    return v;
  }

private:
  std::optional<int64_t> last_;
};

}  // namespace relaycast::mpegts
