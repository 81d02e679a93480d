#pragma once
// Splices the packets of successive sources (the origins an edge pulls from, one after
// the other) into one stream whose timestamps never go back, sans-IO.
//
// Each source starts at a video keyframe (or the first audio frame of an audio-only
// stream) with its codec configuration and metadata in front, so a decoder can start
// there: what a source sends before that is held (configuration) or dropped (frames
// that depend on a keyframe we do not have). A stream is taken for audio-only when
// neither its metadata nor a configuration announced video, or when no keyframe came
// within the catch-up limit (nginx-rtmp sends the AVC header only with the next
// keyframe, its audio long before); video then joins at its first keyframe.
//
// The first source's timestamps pass unchanged. A later one is either on the same
// timeline (the origins carry the same encode: its keyframe lands just after what was
// sent, and frames already sent are dropped until a keyframe past them), or it is
// re-based so that its keyframe follows the last packet by the wall time that passed,
// and the packets at the splice are marked as a discontinuity.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/media_packet.hpp"

namespace relaycast::relay {

class TimelineSplice {
public:
  using Clock = std::chrono::steady_clock;

  // How long a source on the same timeline may take to reach a keyframe past what was
  // already sent before it is re-based instead.
  explicit TimelineSplice(std::chrono::milliseconds catch_up_limit = std::chrono::milliseconds(2000))
      : catch_up_limit_(catch_up_limit) {}

  // Packets come from a new source from now on.
  void new_source(Clock::time_point now);
  // Appends to `out` what `packet` releases (nothing, itself, or the held
  // configuration followed by it), with timestamps on the output timeline.
  void push(MediaPacket packet, Clock::time_point now, std::vector<MediaPacket>& out);

  // Whether the current source is spliced in (its first keyframe went out).
  bool spliced() const { return spliced_; }
  // Sources re-based so far (each one a discontinuity downstream).
  uint32_t rebases() const { return rebases_; }

private:
  bool starts_source(const MediaPacket& p, Clock::time_point now) const;
  void emit(MediaPacket p, Clock::time_point now, std::vector<MediaPacket>& out);

  const std::chrono::milliseconds catch_up_limit_;
  bool first_source_ = true;
  bool spliced_ = false;
  Clock::time_point source_since_{};
  int64_t offset_ = 0;  // added to the current source's timestamps
  uint32_t rebases_ = 0;
  std::optional<MediaPacket> metadata_, video_config_, audio_config_;  // held until the splice
  bool metadata_has_video_ = false;
  bool video_started_ = false;  // a keyframe of the current source went out
  std::optional<int64_t> last_dts_;                                    // newest output dts, any track
  std::array<std::optional<int64_t>, 3> track_dts_;                    // per TrackKind
  Clock::time_point last_out_at_{};
};

}  // namespace relaycast::relay
