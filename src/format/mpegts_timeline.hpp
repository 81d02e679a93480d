#pragma once
// MPEG-TS timestamps are 33 bits of 90 kHz and wrap every 26.5 hours (2^33 ticks); a
// long SRT contribution crosses that. This turns them into one 64-bit timeline that
// goes on across the wrap, shared by every stream of a program (they share one clock).
//
// The clock may also start again on the same connection: an encoder restarted behind
// a gateway that kept the SRT link, or one that switched inputs. The PCR PID may say so
// (discontinuity_indicator), and some encoders do not. A step back of more than
// kResetStep (audio and video never interleave that far apart), or a step of more than
// that either way after an announced discontinuity, is taken for a new clock: the
// timeline goes on from its highest point, kResetGap later; the first timestamp of the
// new clock may be a PTS, or audio a little ahead of the video, so the gap leaves room
// for the frames decoded before it and for the other track. Players, recordings and
// the publisher's timestamp check then see a stream with a short gap, not one that
// jumps back (which would end the publish).
#include <algorithm>
#include <cstdint>
#include <optional>

namespace relaycast::mpegts {

class TsTimeline {
public:
  static constexpr int64_t kWrap = int64_t(1) << 33;
  static constexpr int64_t kResetStep = 2 * 90000;  // 2 s
  static constexpr int64_t kResetGap = 45000;       // 0.5 s

  // The 64-bit value of `ts` (33 bits) closest to the last one given: timestamps of
  // audio and video interleave a little out of order and may step back, but never by
  // half a wrap (13 hours). The first value is taken as it is.
  int64_t unwrap(uint64_t ts) {
    const int64_t t = int64_t(ts & uint64_t(kWrap - 1));
    if (!last_) {
      last_ = t;
      high_ = t;
      return t;
    }
    int64_t v = (*last_ & ~(kWrap - 1)) + t;
    if (v - *last_ > kWrap / 2) v -= kWrap;
    else if (*last_ - v > kWrap / 2) v += kWrap;
    const int64_t step = v - *last_;
    if (step < -kResetStep || (announced_ && step > kResetStep)) {
      offset_ = high_ + kResetGap - v;
      ++resets_;
      announced_ = false;
      reset_from_ = *last_;
      reset_to_ = v;
    } else if (announced_ && v > announced_at_ + kResetStep) {
      announced_ = false;  // announced, but the clock went on: nothing to do
    }
    last_ = v;
    const int64_t out = v + offset_;
    high_ = std::max(high_, out);
    return out;
  }

  // The PCR PID's discontinuity_indicator: the timestamps that follow may be of a new
  // clock.
  void announce_discontinuity() {
    if (!last_) return;
    announced_ = true;
    announced_at_ = *last_;
  }

  // How many times the clock started again, and the last time, from and to (the
  // source's own timestamps, 90 kHz).
  uint64_t resets() const { return resets_; }
  int64_t reset_from() const { return reset_from_; }
  int64_t reset_to() const { return reset_to_; }

private:
  std::optional<int64_t> last_;  // the source's clock, unwrapped
  int64_t offset_ = 0;           // added to the source's clock since the last reset
  int64_t high_ = 0;             // the highest value given out
  bool announced_ = false;
  int64_t announced_at_ = 0;
  uint64_t resets_ = 0;
  int64_t reset_from_ = 0, reset_to_ = 0;
};

}  // namespace relaycast::mpegts
