#include "stream/stream_stats.hpp"

#include <algorithm>

#include "media/aac.hpp"
#include "media/codec_summary.hpp"
#include "media/h264.hpp"
#include "media/hevc_config_record.hpp"

namespace relaycast {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

// Keeps the largest value seen. The reader may reset it between the load and the
// store; the value then counts in the next window, which is what it is: recent.
void raise_to(std::atomic<int64_t>& slot, int64_t value) {
  if (value > slot.load(relaxed)) slot.store(value, relaxed);
}

}  // namespace

void StreamStats::on_packet(const MediaPacket& packet, Clock::time_point arrival) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(arrival.time_since_epoch()).count();
  const int64_t last = last_arrival_ns_.load(relaxed);
  if (last != kNone) raise_to(max_gap_ns_, now - last);
  last_arrival_ns_.store(now, relaxed);

  if (packet.config) {
    on_config(packet);
    return;
  }
  if (packet.kind == TrackKind::data) return;
  const bool video = packet.kind == TrackKind::video;
  auto& dts_slot = video ? video_dts_ : audio_dts_;
  auto& prev_arrival = video ? prev_video_arrival_ns_ : prev_audio_arrival_ns_;
  const int64_t prev_dts = dts_slot.load(relaxed);
  if (prev_dts != kNone && prev_arrival != kNone) {
    // A jump is timestamps moving ahead of the clock (an encoder that skipped) or
    // back (one that restarted its clock). Timestamps moving less than the clock are
    // an arrival gap, counted above; the burst after a gap moves each packet's
    // timestamp by one frame only, so it is no jump either.
    const int64_t media_ns = (packet.dts - prev_dts) * 1'000'000'000 / kTimebase;
    const int64_t wall_ns = now - prev_arrival;
    const int64_t jump_ns = media_ns < 0 ? -media_ns : std::max<int64_t>(0, media_ns - wall_ns);
    raise_to(max_jump_ticks_, jump_ns * kTimebase / 1'000'000'000);
  }
  prev_arrival = now;
  dts_slot.store(packet.dts, relaxed);
  if (video) {
    video_frames_.fetch_add(1, relaxed);
    if (packet.keyframe) {
      keyframes_.fetch_add(1, relaxed);
      const int64_t prev_key = keyframe_dts_.load(relaxed);
      if (prev_key != kNone) keyframe_interval_.store(packet.dts - prev_key, relaxed);
      keyframe_dts_.store(packet.dts, relaxed);
    }
  } else {
    audio_frames_.fetch_add(1, relaxed);
  }
}

void StreamStats::on_config(const MediaPacket& packet) {
  if (packet.kind == TrackKind::video) {
    VideoInfo info{.codec = std::string(to_string(packet.codec)), .description = describe_config(packet)};
    if (packet.codec == Codec::h264) {
      if (auto record = h264::parse_avc_decoder_config(packet.payload.span()); record && !record->sps.empty()) {
        if (auto sps = h264::parse_sps(record->sps.front())) {
          info.width = sps->width;
          info.height = sps->height;
          info.declared_fps = sps->frame_rate();
        }
      }
    } else if (packet.codec == Codec::hevc) {
      if (auto record = hevc::parse_hevc_decoder_config(packet.payload.span()); record && !record->sps.empty()) {
        if (auto sps = hevc::parse_sps(record->sps.front())) {
          info.width = sps->width;
          info.height = sps->height;
        }
      }
    }
    std::lock_guard lock(info_mutex_);
    video_ = std::move(info);
  } else if (packet.kind == TrackKind::audio) {
    AudioInfo info{.codec = std::string(to_string(packet.codec)), .description = describe_config(packet)};
    if (packet.codec == Codec::aac) {
      if (auto config = aac::parse_audio_specific_config(packet.payload.span())) {
        info.sample_rate = config->output_sample_rate;
        info.channels = config->channels;
      }
    }
    std::lock_guard lock(info_mutex_);
    audio_ = std::move(info);
  }
}

StreamStatsSnapshot StreamStats::snapshot(bool take_window) {
  StreamStatsSnapshot s;
  s.video_frames = video_frames_.load(relaxed);
  s.audio_frames = audio_frames_.load(relaxed);
  s.keyframes = keyframes_.load(relaxed);
  s.last_arrival_ns = maybe(last_arrival_ns_.load(relaxed));
  auto ms = [](std::optional<int64_t> ticks) { return ticks ? std::optional(ticks_to_ms(*ticks)) : std::nullopt; };
  s.video_dts_ms = ms(maybe(video_dts_.load(relaxed)));
  s.audio_dts_ms = ms(maybe(audio_dts_.load(relaxed)));
  s.last_keyframe_dts_ms = ms(maybe(keyframe_dts_.load(relaxed)));
  s.keyframe_interval_ms = ms(maybe(keyframe_interval_.load(relaxed)));
  if (take_window) {
    s.max_arrival_gap_ms = max_gap_ns_.exchange(0, relaxed) / 1'000'000;
    s.max_timestamp_jump_ms = ticks_to_ms(max_jump_ticks_.exchange(0, relaxed));
  }
  return s;
}

std::optional<VideoInfo> StreamStats::video() const {
  std::lock_guard lock(info_mutex_);
  return video_;
}

std::optional<AudioInfo> StreamStats::audio() const {
  std::lock_guard lock(info_mutex_);
  return audio_;
}

}  // namespace relaycast
