#include "stream/stream_health.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace relaycast {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;

std::string seconds(int64_t ms) { return fmt::format("{:.1f} s", double(ms) / 1000); }

void add(std::string& reason, const std::string& what) {
  if (!reason.empty()) reason += "; ";
  reason += what;
}

}  // namespace

std::string_view to_string(HealthState state) {
  switch (state) {
    case HealthState::healthy: return "healthy";
    case HealthState::degraded: return "degraded";
    case HealthState::offline: return "offline";
  }
  return "unknown";
}

// Rates between the newest point at or before `from_ns` (the oldest point, when the
// history is younger) and the newest at or before `to_ns`.
std::optional<HealthClassifier::Rates> HealthClassifier::rates_between(int64_t from_ns, int64_t to_ns) const {
  if (history_.empty()) return std::nullopt;
  const Point* from = &history_.front();
  const Point* to = nullptr;
  for (const auto& p : history_) {
    if (p.t_ns <= from_ns) from = &p;
    if (p.t_ns <= to_ns) to = &p;
  }
  if (!from || !to || to->t_ns <= from->t_ns) return std::nullopt;
  const double span_s = double(to->t_ns - from->t_ns) / 1e9;
  return Rates{double(to->frames - from->frames) / span_s, double(to->bytes - from->bytes) * 8 / span_s};
}

uint32_t HealthClassifier::find_problems(const HealthSample& sample, std::string& reason) const {
  const auto& s = sample.stats;
  const auto& c = config_;
  uint32_t problems = 0;

  const int64_t silence_ms = s.last_arrival_ns ? (sample.now_ns - *s.last_arrival_ns) / kNsPerMs : 0;
  if (const int64_t gap = std::max(s.max_arrival_gap_ms, silence_ms); gap >= c.max_arrival_gap_ms) {
    problems |= kArrivalGap;
    add(reason, fmt::format("nothing arrived for {}", seconds(gap)));
  }
  if (s.max_timestamp_jump_ms >= c.max_timestamp_jump_ms) {
    problems |= kTimestampJump;
    add(reason, fmt::format("timestamps jumped by {}", seconds(s.max_timestamp_jump_ms)));
  }
  if (report_.av_drift_ms && std::llabs(*report_.av_drift_ms) >= c.max_av_drift_ms) {
    problems |= kAvDrift;
    add(reason, fmt::format("audio is {} {} video", seconds(std::llabs(*report_.av_drift_ms)),
                            *report_.av_drift_ms > 0 ? "behind" : "ahead of"));
  }
  if (report_.since_keyframe_ms && *report_.since_keyframe_ms >= c.max_keyframe_interval_ms) {
    problems |= kKeyframeInterval;
    add(reason, fmt::format("no keyframe for {} (at most {})", seconds(*report_.since_keyframe_ms),
                            seconds(c.max_keyframe_interval_ms)));
  } else if (s.keyframe_interval_ms && *s.keyframe_interval_ms >= c.max_keyframe_interval_ms) {
    problems |= kKeyframeInterval;
    add(reason, fmt::format("keyframes {} apart (at most {})", seconds(*s.keyframe_interval_ms),
                            seconds(c.max_keyframe_interval_ms)));
  }
  if (report_.fps && report_.baseline_fps && *report_.baseline_fps > 0 &&
      *report_.fps < c.min_fps_ratio * *report_.baseline_fps) {
    problems |= kLowFps;
    add(reason, fmt::format("frame rate {:.1f} fps (recent average {:.1f})", *report_.fps, *report_.baseline_fps));
  }
  if (report_.bitrate_bps && report_.baseline_bitrate_bps && *report_.baseline_bitrate_bps > 0 &&
      *report_.bitrate_bps < c.min_bitrate_ratio * *report_.baseline_bitrate_bps) {
    problems |= kLowBitrate;
    add(reason, fmt::format("bitrate {:.0f} kbit/s (recent average {:.0f})", *report_.bitrate_bps / 1000,
                            *report_.baseline_bitrate_bps / 1000));
  }
  return problems;
}

HealthChange HealthClassifier::update(const HealthSample& sample) {
  const auto& s = sample.stats;
  const int64_t now = sample.now_ns;
  const int64_t measure = int64_t(config_.measure_ms) * kNsPerMs;
  const int64_t baseline = int64_t(config_.baseline_ms) * kNsPerMs;
  if (!first_sample_ns_) {
    first_sample_ns_ = now;
    report_.since_ns = now;
  }

  history_.push_back({now, sample.bytes_in, s.video_frames});
  // Keep one point older than the oldest window start, so that window is whole.
  while (history_.size() > 2 && history_[1].t_ns <= now - measure - baseline) history_.pop_front();

  // The figures, whatever the state.
  const auto current = rates_between(now - measure, now);
  const auto before = rates_between(now - measure - baseline, now - measure);
  report_.fps = current ? std::optional(current->fps) : std::nullopt;
  report_.bitrate_bps = current ? std::optional(current->bitrate_bps) : std::nullopt;
  // A baseline shorter than the window it is compared with says little.
  const bool baseline_long_enough = !history_.empty() && now - measure - history_.front().t_ns >= measure;
  report_.baseline_fps = before && baseline_long_enough ? std::optional(before->fps) : std::nullopt;
  report_.baseline_bitrate_bps = before && baseline_long_enough ? std::optional(before->bitrate_bps) : std::nullopt;
  report_.since_keyframe_ms = s.video_dts_ms && s.last_keyframe_dts_ms
                                  ? std::optional(*s.video_dts_ms - *s.last_keyframe_dts_ms)
                                  : std::nullopt;
  // Only when both tracks still move: a stream without audio has no drift.
  report_.av_drift_ms = s.video_dts_ms && s.audio_dts_ms && s.audio_frames > 0 && s.video_frames > 0
                            ? std::optional(*s.video_dts_ms - *s.audio_dts_ms)
                            : std::nullopt;

  HealthState state;
  std::string reason;
  uint32_t problems = 0;
  const int64_t silence = s.last_arrival_ns ? now - *s.last_arrival_ns : now - *first_sample_ns_;
  if (sample.ended) {
    state = HealthState::offline;
    reason = "the publisher stopped";
  } else if (silence >= int64_t(config_.offline_after_ms) * kNsPerMs) {
    state = HealthState::offline;
    reason = fmt::format("nothing arrived for {}", seconds(silence / kNsPerMs));
  } else {
    problems = find_problems(sample, reason);
    if (problems) {
      state = HealthState::degraded;
      last_problem_ns_ = now;
    } else if (report_.state == HealthState::degraded &&
               now - last_problem_ns_ < int64_t(config_.recover_ms) * kNsPerMs) {
      state = HealthState::degraded;  // recovering: keep the last reason until recover_ms passed
      reason = report_.reason;
    } else {
      state = HealthState::healthy;
    }
  }

  HealthChange change = HealthChange::none;
  if (state != report_.state) {
    change = HealthChange::state;
    report_.since_ns = now;
    reported_problems_ = problems;
  } else if (state == HealthState::degraded && (problems & ~reported_problems_)) {
    change = HealthChange::new_problem;
    reported_problems_ |= problems;
  }
  report_.state = state;
  report_.reason = std::move(reason);
  report_.problems = problems;
  return change;
}

}  // namespace relaycast
