#pragma once
// The usual distance between two frames of a track, from the last few gaps between
// their timestamps. The median, so that one gap in the stream (a dropped second of
// video, an encoder hiccup) is not taken for the frame rate, while a real change of
// rate is followed within a few frames. RTMP timestamps are whole milliseconds, so a
// 30 fps track alternates 33 and 34 ms gaps; the median is one of them.
#include <algorithm>
#include <array>
#include <cstdint>

namespace relaycast::hls {

class FrameInterval {
public:
  explicit FrameInterval(int64_t initial) : initial_(initial) {}

  void add_gap(int64_t gap) {
    if (gap <= 0) return;
    gaps_[next_] = gap;
    next_ = (next_ + 1) % gaps_.size();
    count_ = std::min(count_ + 1, gaps_.size());
  }

  int64_t value() const {
    if (count_ == 0) return initial_;
    std::array<int64_t, kGaps> sorted{};
    std::copy_n(gaps_.begin(), count_, sorted.begin());
    std::nth_element(sorted.begin(), sorted.begin() + count_ / 2, sorted.begin() + count_);
    return sorted[count_ / 2];
  }

  void reset() { count_ = next_ = 0; }

private:
  static constexpr size_t kGaps = 9;
  int64_t initial_;
  std::array<int64_t, kGaps> gaps_{};
  size_t next_ = 0, count_ = 0;
};

}  // namespace relaycast::hls
