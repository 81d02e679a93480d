#pragma once
// Per-stream figures collected where the packets flow, for the API, the metrics and
// the health classifier. Stream::push calls on_packet() on the publisher's thread, the
// only writer; anyone may read at any time. Counters are relaxed atomics on the
// writer's own cache lines: a packet costs a clock read and a few plain stores, no
// lock. Rates (fps, bitrate) are not computed here but by whoever reads, from the
// difference between two reads (api::StreamMonitor, once a second).
//
// Codec details come from the configuration packets (a few per publish), parsed then
// and kept under a mutex that only those packets and readers take.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "media/media_packet.hpp"

namespace relaycast {

struct VideoInfo {
  std::string codec;        // "h264"
  std::string description;  // "H.264 High@3.0 640x360"
  uint32_t width = 0, height = 0;
  std::optional<double> declared_fps;  // from the SPS timing, when the encoder wrote it
};

struct AudioInfo {
  std::string codec;        // "aac"
  std::string description;  // "AAC LC 44100 Hz stereo"
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
};

// What a reader sees: counters since the publish started and the newest timestamps.
struct StreamStatsSnapshot {
  uint64_t video_frames = 0, audio_frames = 0, keyframes = 0;
  std::optional<int64_t> last_arrival_ns;  // steady clock
  std::optional<int64_t> video_dts_ms, audio_dts_ms;
  std::optional<int64_t> last_keyframe_dts_ms;
  std::optional<int64_t> keyframe_interval_ms;  // between the two newest keyframes
  // The largest figures since the previous take_window() (only from a snapshot that
  // took the window): the longest silence between two packets, and the largest
  // difference between how far timestamps moved and how much time passed.
  int64_t max_arrival_gap_ms = 0;
  int64_t max_timestamp_jump_ms = 0;
};

class StreamStats {
public:
  using Clock = std::chrono::steady_clock;

  // Publisher thread only.
  void on_packet(const MediaPacket& packet, Clock::time_point arrival);

  // Reads everything; with `take_window` also resets the window maxima (one reader,
  // the monitor, does that; the API reads without).
  StreamStatsSnapshot snapshot(bool take_window = false);
  std::optional<VideoInfo> video() const;
  std::optional<AudioInfo> audio() const;

private:
  static constexpr int64_t kNone = INT64_MIN;
  static std::optional<int64_t> maybe(int64_t v) { return v == kNone ? std::nullopt : std::optional(v); }
  void on_config(const MediaPacket& packet);

  std::atomic<uint64_t> video_frames_{0}, audio_frames_{0}, keyframes_{0};
  std::atomic<int64_t> last_arrival_ns_{kNone};
  std::atomic<int64_t> video_dts_{kNone}, audio_dts_{kNone};  // ticks
  std::atomic<int64_t> keyframe_dts_{kNone}, keyframe_interval_{kNone};
  std::atomic<int64_t> max_gap_ns_{0}, max_jump_ticks_{0};
  // Writer-only: where each track's previous packet was, in media and wall time.
  int64_t prev_video_arrival_ns_ = kNone, prev_audio_arrival_ns_ = kNone;

  mutable std::mutex info_mutex_;
  std::optional<VideoInfo> video_;
  std::optional<AudioInfo> audio_;
};

}  // namespace relaycast
