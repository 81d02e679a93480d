#include "relay/timeline_splice.hpp"

#include <algorithm>

#include "format/amf0.hpp"

namespace relaycast::relay {
namespace {

// A packet further back than this on its own track is dropped, not clamped: the
// source is broken, and clamping would pile frames onto one instant.
constexpr int64_t kMaxClamp = ms_to_ticks(1000);
// Beyond this a keyframe behind what was sent is from another timeline, not a replay
// of the origin's GOP cache.
constexpr int64_t kMaxReplay = ms_to_ticks(10000);
// A keyframe this far ahead of what the wall clock allows is from another timeline.
constexpr int64_t kMaxLead = ms_to_ticks(1000);

}  // namespace

void TimelineSplice::new_source(Clock::time_point now) {
  spliced_ = false;
  source_since_ = now;
  metadata_.reset();
  video_config_.reset();
  audio_config_.reset();
  metadata_has_video_ = false;
  video_started_ = false;
}

bool TimelineSplice::starts_source(const MediaPacket& p, Clock::time_point now) const {
  if (p.kind == TrackKind::video) return p.keyframe;
  const bool expects_video = video_config_ || metadata_has_video_;
  // AAC cannot be decoded without its AudioSpecificConfig.
  return p.kind == TrackKind::audio && audio_config_ && (!expects_video || now - source_since_ >= catch_up_limit_);
}

namespace {

// onMetaData with a video codec or a picture size: the stream has video.
bool announces_video(const MediaPacket& metadata) {
  auto values = amf0::decode_all(metadata.payload.span());
  if (!values) return false;
  for (const auto& v : *values)
    if (v.is_object() && (v.find("videocodecid") || v.find("width"))) return true;
  return false;
}

}  // namespace

void TimelineSplice::push(MediaPacket p, Clock::time_point now, std::vector<MediaPacket>& out) {
  if (!spliced_) {
    if (p.config) {
      (p.kind == TrackKind::video ? video_config_ : audio_config_) = std::move(p);
      return;
    }
    if (p.kind == TrackKind::data) {
      metadata_has_video_ = announces_video(p);
      metadata_ = std::move(p);
      return;
    }
    if (!starts_source(p, now)) return;

    bool rebased = false;
    if (!first_source_ && last_dts_) {
      const int64_t elapsed = ms_to_ticks(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - last_out_at_).count());
      const int64_t expected = *last_dts_ + elapsed;
      const int64_t candidate = p.dts + offset_;
      if (candidate > *last_dts_ && candidate <= expected + kMaxLead) {
        // Same timeline, continuing where the last source stopped.
      } else if (candidate <= *last_dts_ && *last_dts_ - candidate <= kMaxReplay &&
                 now - source_since_ < catch_up_limit_) {
        return;  // already sent (the origin's GOP cache): wait for a newer keyframe
      } else {
        // Another timeline: its keyframe follows the last packet by the time that
        // passed (at least a tick), so players keep their clock.
        offset_ = std::max(expected, *last_dts_ + 1) - p.dts;
        rebased = true;
        ++rebases_;
      }
    }
    spliced_ = true;
    first_source_ = false;
    // Configuration first, at the keyframe's time: a decoder (and the segmenter)
    // restarts with it; the first of them carries the discontinuity.
    bool mark = rebased;
    for (auto* held : {&metadata_, &video_config_, &audio_config_}) {
      if (!*held) continue;
      MediaPacket h = std::move(**held);
      held->reset();
      if (h.kind != TrackKind::data) h.pts = h.dts = p.dts;
      // On a packet the segmenter reads (it skips metadata).
      if (h.kind != TrackKind::data) h.discontinuity = std::exchange(mark, false);
      emit(std::move(h), now, out);
    }
    p.discontinuity = mark;
    if (p.kind == TrackKind::video) video_started_ = true;
    emit(std::move(p), now, out);
    return;
  }
  // Video that joins an audio start begins at its first keyframe.
  if (p.kind == TrackKind::video && !p.config && !video_started_) {
    if (!p.keyframe) return;
    video_started_ = true;
  }
  emit(std::move(p), now, out);
}

void TimelineSplice::emit(MediaPacket p, Clock::time_point now, std::vector<MediaPacket>& out) {
  if (p.kind == TrackKind::data) {
    // Metadata keeps the time its origin gave it (0 for what a publisher sent first):
    // ffmpeg takes an onMetaData at any other time for a subtitle track.
    out.push_back(std::move(p));
    return;
  }
  p.dts += offset_;
  p.pts += offset_;
  auto& track = track_dts_[size_t(p.kind)];
  if (track && p.dts < *track) {
    const int64_t back = *track - p.dts;
    if (back > kMaxClamp) return;
    p.pts += back;
    p.dts = *track;
  }
  track = p.dts;
  last_dts_ = std::max(last_dts_.value_or(p.dts), p.dts);
  last_out_at_ = now;
  out.push_back(std::move(p));
}

}  // namespace relaycast::relay
