#pragma once
// Cuts one stream into HLS segments, sans-IO: packets in, segments (MPEG-TS and fMP4
// with LL-HLS partial segments) out, kept in a sliding window.
//
// Segments start at a video keyframe once the target duration is reached (any audio
// frame for audio-only streams); a stream whose keyframes stop is cut at
// force_cut anyway. fMP4 samples need their duration, known when the next sample of
// the track arrives, so each track's newest sample waits for its successor before it
// goes into a part.
//
// Parts (RFC 8216bis 4.4.4.9) last at most the part target and, but for a segment's
// last, at least 85 % of it. The leading track (video, or audio when there is no
// video) closes a part on the frame after which the next one would overrun the
// target: the part is published as soon as that frame arrives. When video stops
// coming (a gap, or the end of the video while audio goes on), the audio closes the
// part by the target instead, so that no part grows past it.
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/fmp4_track.hpp"
#include "format/mpegts_muxer.hpp"
#include "hls/frame_interval.hpp"
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
  // playlist after an EXT-X-DISCONTINUITY, with the tracks and codec configurations
  // it sends (none of this publish's are kept).
  void end_of_stream();

  const SegmenterOptions& options() const { return options_; }
  // Oldest first; the last one may be open (complete == false).
  const std::deque<Segment>& segments() const { return segments_; }
  // How many discontinuities have left the window (EXT-X-DISCONTINUITY-SEQUENCE).
  uint64_t discontinuity_sequence() const { return discontinuity_sequence_; }
  const Buffer* init_segment(uint32_t version) const;
  const std::string& codecs() const { return codecs_; }
  // The displayed size of the current publish's video (0x0 without video).
  std::pair<uint32_t, uint32_t> video_size() const { return video_size_; }
  bool live() const { return live_; }

private:
  // What is known of one track of the current publish.
  struct TrackState {
    explicit TrackState(int64_t interval) : interval(interval) {}
    std::optional<fmp4::Sample> pending;  // the newest frame, waiting for its duration
    FrameInterval interval;
    int64_t last_dts = 0;
    void reset() {
      pending.reset();
      interval.reset();
      last_dts = 0;
    }
  };

  void on_config(const MediaPacket& packet, Clock::time_point now);
  bool start();
  void on_leading_frame(const MediaPacket& packet, TrackState& track, Clock::time_point now);
  void on_following_frame(const MediaPacket& packet, TrackState& track);
  // Gives the pending sample of `track` its duration (up to `next_dts`) and puts it
  // into the part being made.
  void complete_pending(TrackState& track, int64_t next_dts);
  // Closes the publish's open segment at the end of its media (at most at `limit`).
  void stop(std::optional<int64_t> limit);
  void close_part(int64_t end);
  void close_segment(int64_t end);
  void open_segment(int64_t start, Clock::time_point now, bool independent);
  void write_ts(const MediaPacket& packet);
  uint32_t track_id(TrackKind kind) const;

  SegmenterOptions options_;
  Warn warn_;

  std::optional<MediaPacket> video_config_, audio_config_;
  bool started_ = false;  // tracks are set up for the current publish
  bool told_skipped_codec_ = false;  // a track of a codec HLS cannot carry was said once
  bool live_ = false;
  bool discontinuity_next_ = false;
  std::optional<std::pair<int64_t, Clock::time_point>> clock_origin_;

  std::optional<mpegts::TsMuxer> ts_;
  std::vector<uint8_t> ts_open_;

  std::vector<fmp4::TrackInfo> tracks_;
  std::vector<std::pair<uint32_t, Buffer>> inits_;  // (version, init segment)
  uint32_t init_version_ = 0;
  std::string codecs_;
  std::pair<uint32_t, uint32_t> video_size_{0, 0};
  uint32_t fragment_sequence_ = 1;
  std::vector<fmp4::Sample> part_samples_;
  int64_t part_start_ = 0;
  TrackState video_{ms_to_ticks(33)}, audio_{ms_to_ticks(23)};

  std::deque<Segment> segments_;
  uint64_t next_msn_ = 0;
  uint64_t discontinuity_sequence_ = 0;
};

}  // namespace relaycast::hls
