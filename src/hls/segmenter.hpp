#pragma once
// Cuts one stream into HLS segments, sans-IO: packets in, segments (MPEG-TS and fMP4
// with LL-HLS partial segments) out, kept in a sliding window.
//
// Segments start at a video keyframe once the target duration is reached (any audio
// frame for audio-only streams); a stream whose keyframes stop is cut at
// force_cut anyway. Parts are cut so that none is longer than the part target.
// fMP4 samples need their duration, known when the next sample of the track arrives,
// so each track's newest sample waits for its successor before it goes into a part.
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/fmp4_track.hpp"
#include "format/mpegts_muxer.hpp"
#include "hls/segment.hpp"
#include "media/media_packet.hpp"

namespace relaycast::hls {

struct SegmenterOptions {
  int64_t segment_target = ms_to_ticks(2000);
  int64_t part_target = ms_to_ticks(334);
  size_t window = 6;
  int64_t force_cut = ms_to_ticks(6000);
};

class Segmenter {
public:
  using Clock = std::chrono::system_clock;
  // Called with a line worth logging (a forced cut, a codec the muxers refuse).
  using Warn = std::function<void(const std::string&)>;

  Segmenter(SegmenterOptions options, Warn warn);

  void push(const MediaPacket& packet, Clock::time_point now);
  // The publisher left: close the open segment; the next publish continues the same
  // playlist after an EXT-X-DISCONTINUITY.
  void end_of_stream();

  const SegmenterOptions& options() const { return options_; }
  // Oldest first; the last one may be open (complete == false).
  const std::deque<Segment>& segments() const { return segments_; }
  // How many discontinuities have left the window (EXT-X-DISCONTINUITY-SEQUENCE).
  uint64_t discontinuity_sequence() const { return discontinuity_sequence_; }
  const Buffer* init_segment(uint32_t version) const;
  const std::string& codecs() const { return codecs_; }
  bool live() const { return live_; }

private:
  bool start(const MediaPacket& first);
  void add_sample(const MediaPacket& packet, std::optional<fmp4::Sample>& pending, int64_t default_duration);
  void close_part(int64_t end);
  void close_segment(int64_t end);
  void open_segment(int64_t start, Clock::time_point now);
  void write_ts(const MediaPacket& packet);
  uint32_t track_id(TrackKind kind) const;

  SegmenterOptions options_;
  Warn warn_;

  std::optional<MediaPacket> video_config_, audio_config_;
  bool started_ = false;  // tracks are set up for the current publish
  bool live_ = false;
  bool discontinuity_next_ = false;
  std::optional<std::pair<int64_t, Clock::time_point>> clock_origin_;

  std::optional<mpegts::TsMuxer> ts_;
  std::vector<uint8_t> ts_open_;

  std::vector<fmp4::TrackInfo> tracks_;
  std::vector<std::pair<uint32_t, Buffer>> inits_;  // (version, init segment)
  uint32_t init_version_ = 0;
  std::string codecs_;
  uint32_t fragment_sequence_ = 1;
  std::vector<fmp4::Sample> part_samples_;
  int64_t part_start_ = 0;
  bool part_independent_ = false;
  bool part_has_video_ = false;
  std::optional<fmp4::Sample> pending_video_, pending_audio_;
  int64_t video_interval_ = ms_to_ticks(33);
  int64_t audio_interval_ = ms_to_ticks(23);
  int64_t last_dts_ = 0;
  int64_t last_video_dts_ = 0;

  std::deque<Segment> segments_;
  uint64_t next_msn_ = 0;
  uint64_t discontinuity_sequence_ = 0;
};

}  // namespace relaycast::hls
