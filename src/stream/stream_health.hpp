#pragma once
// Is a live stream healthy? A pure state machine, fed once in a while (the monitor
// does it every second) with what StreamStats collected as the packets arrived: their
// arrival times, their timestamps, and counters. It measures frame rate and bitrate
// over the last `measure_ms` and compares them with their average over the
// `baseline_ms` before, and checks keyframe interval, timestamp jumps, audio/video
// drift and gaps in arrival against the [health] thresholds.
//
//   healthy   nothing wrong
//   degraded  one or more problems (the reason names them and their figures); back
//             to healthy only after `recover_ms` without any, so a figure hovering at
//             a threshold does not flap
//   offline   the publisher left, or nothing arrived for `offline_after_ms`
//
// No clock, no I/O: a test drives it with made-up samples.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "stream/stream_stats.hpp"

namespace relaycast {

enum class HealthState { healthy, degraded, offline };
std::string_view to_string(HealthState state);

// What a problem is about; a reason may name several.
enum HealthProblem : uint32_t {
  kArrivalGap = 1 << 0,
  kTimestampJump = 1 << 1,
  kAvDrift = 1 << 2,
  kKeyframeInterval = 1 << 3,
  kLowFps = 1 << 4,
  kLowBitrate = 1 << 5,
};

struct HealthSample {
  int64_t now_ns = 0;  // the clock of StreamStats' arrival times (steady)
  uint64_t bytes_in = 0;
  bool ended = false;  // the publisher left
  StreamStatsSnapshot stats;  // with the window maxima since the previous sample
};

struct HealthReport {
  HealthState state = HealthState::healthy;
  std::string reason;       // empty when healthy
  uint32_t problems = 0;    // HealthProblem bits of the newest sample
  int64_t since_ns = 0;     // when the current state began
  std::optional<double> fps, bitrate_bps;                    // over measure_ms
  std::optional<double> baseline_fps, baseline_bitrate_bps;  // over the baseline_ms before it
  std::optional<int64_t> since_keyframe_ms;  // media time since the newest keyframe
  std::optional<int64_t> av_drift_ms;        // newest video dts minus newest audio dts
};

enum class HealthChange {
  none,
  state,        // healthy / degraded / offline changed
  new_problem,  // still degraded, with a kind of problem not reported in this episode yet
};

class HealthClassifier {
public:
  explicit HealthClassifier(HealthConfig config) : config_(config) {}
  void set_config(const HealthConfig& config) { config_ = config; }

  HealthChange update(const HealthSample& sample);
  const HealthReport& report() const { return report_; }

private:
  struct Point {
    int64_t t_ns;
    uint64_t bytes, frames;
  };
  struct Rates {
    double fps, bitrate_bps;
  };
  std::optional<Rates> rates_between(int64_t from_ns, int64_t to_ns) const;
  uint32_t find_problems(const HealthSample& sample, std::string& reason) const;

  HealthConfig config_;
  HealthReport report_;
  std::deque<Point> history_;
  std::optional<int64_t> first_sample_ns_;
  int64_t last_problem_ns_ = 0;
  uint32_t reported_problems_ = 0;  // kinds already logged in this degraded episode
};

}  // namespace relaycast
