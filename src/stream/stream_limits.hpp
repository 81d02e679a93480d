#pragma once
#include <cstddef>
#include <cstdint>

namespace relaycast {

struct StreamLimits {
  // Most bytes a stream's ring may hold (the GOP cache and what slow viewers still read).
  size_t max_ring_bytes = 64 * 1024 * 1024;
  // How far (in media time) a viewer may fall behind the newest packet before it is
  // moved forward to the newest keyframe; the ring keeps this much besides the GOP.
  int64_t max_viewer_lag_ms = 4000;
  // A viewer moved forward this many times within a minute is disconnected: it cannot
  // keep up with the stream's bitrate.
  int max_skips_per_minute = 4;
  // Packets one read hands a viewer at most: what it then writes in one writev.
  size_t max_batch_frames = 64;
};

}  // namespace relaycast
