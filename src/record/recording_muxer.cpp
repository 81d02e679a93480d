#include "record/recording_muxer.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "format/fmp4_fragment.hpp"
#include "format/fmp4_init.hpp"
#include "format/fmp4_track.hpp"

namespace relaycast::record {
namespace {

bool same_bytes(const Buffer& a, const Buffer& b) {
  return a.size() == b.size() && std::equal(a.data(), a.data() + a.size(), b.data());
}

}  // namespace

size_t RecordingChunk::size() const {
  size_t total = 0;
  for (const auto& b : bytes) total += b.size();
  return total;
}

RecordingMuxer::RecordingMuxer(int64_t fragment_ticks, std::function<void(const std::string&)> warn)
    : fragment_ticks_(fragment_ticks), warn_(std::move(warn)) {}

std::vector<RecordingChunk> RecordingMuxer::push(const MediaPacket& packet) {
  std::vector<RecordingChunk> out;
  if (packet.kind == TrackKind::data) return out;
  if (!fmp4::carries(packet.kind, packet.codec)) {
    // AV1 or VP9 passed through from Enhanced RTMP: the other track is recorded alone.
    if (!std::exchange(told_skipped_codec_, true))
      warn_(fmt::format("{} {} is not recorded (only H.264/HEVC video and AAC audio): skipped",
                        to_string(packet.codec), to_string(packet.kind)));
    return out;
  }
  Track& track = track_of(packet.kind);
  if (packet.config) {
    const bool changed = !track.config || !same_bytes(track.config->payload, packet.payload) || packet.discontinuity;
    track.config = packet;
    if (started() && changed) {
      // New parameters need new sample descriptions: end this file, and start the
      // next one at the next keyframe.
      auto last = finish();
      out.insert(out.end(), std::make_move_iterator(last.begin()), std::make_move_iterator(last.end()));
    }
    return out;
  }
  if (!track.config) return out;  // a frame of a track we cannot describe
  const bool video = packet.kind == TrackKind::video;
  if (!started()) {
    // A file starts with a keyframe, or with audio when there is no video.
    if (video ? !packet.keyframe : video_.config.has_value()) return out;
    if (!start(out)) return out;
    fragment_start_ = packet.dts;
  }
  if (std::none_of(tracks_.begin(), tracks_.end(), [&](const auto& t) { return t.track_id == track.id; }))
    return out;  // the track came after the file started: not in this file

  complete(track, packet.dts);
  // The leading track (video, else audio) decides the cuts: at a keyframe, or when the
  // fragment has grown to the longest allowed.
  const bool leading = video || !video_.config;
  if (leading && !samples_.empty() &&
      ((video && packet.keyframe) || packet.dts - fragment_start_ >= fragment_ticks_)) {
    cut(out);
    fragment_start_ = packet.dts;
  }
  track.pending = fmp4::Sample{.track_id = track.id,
                               .dts = packet.dts,
                               .pts = packet.pts,
                               .keyframe = video ? packet.keyframe : true,
                               .data = packet.payload};
  return out;
}

std::vector<RecordingChunk> RecordingMuxer::finish() {
  std::vector<RecordingChunk> out;
  if (!started()) return out;
  for (Track* t : {&video_, &audio_})
    if (t->pending) complete(*t, t->pending->dts + t->interval.value());
  cut(out);
  tracks_.clear();
  return out;
}

bool RecordingMuxer::start(std::vector<RecordingChunk>& out) {
  tracks_.clear();
  samples_.clear();
  for (Track* t : {&video_, &audio_}) {
    t->pending.reset();
    t->interval.reset();
    if (!t->config) continue;
    auto info = fmp4::track_from_config(t->id, *t->config);
    if (!info) {
      warn_(fmt::format("{} not recorded: {}", to_string(t->config->kind), info.error().message()));
      continue;
    }
    tracks_.push_back(std::move(*info));
  }
  if (tracks_.empty()) return false;
  auto init = fmp4::make_init_segment(tracks_);
  if (!init) {
    warn_("not recorded: " + init.error().message());
    tracks_.clear();
    return false;
  }
  out.push_back({.kind = RecordingChunk::Kind::init, .bytes = {Buffer::copy_of(*init)}});
  return true;
}

void RecordingMuxer::complete(Track& track, int64_t next_dts) {
  if (!track.pending) return;
  const int64_t gap = next_dts - track.pending->dts;
  track.interval.add_gap(gap);
  track.pending->duration = uint32_t(gap > 0 ? gap : track.interval.value());
  samples_.push_back(std::move(*track.pending));
  track.pending.reset();
}

void RecordingMuxer::cut(std::vector<RecordingChunk>& out) {
  if (samples_.empty()) return;
  // Samples of one track must be in decode order; the tracks interleave as they came.
  auto parts = fmp4::make_fragment_parts(++sequence_, tracks_, samples_);
  if (!parts) {
    warn_(fmt::format("fragment of {} samples not recorded: {}", samples_.size(), parts.error().message()));
    samples_.clear();
    return;
  }
  RecordingChunk chunk{.kind = RecordingChunk::Kind::fragment};
  chunk.bytes.reserve(parts->payloads.size() + 1);
  chunk.bytes.push_back(Buffer::copy_of(parts->head));
  for (auto& p : parts->payloads) chunk.bytes.push_back(std::move(p));
  // The leading track: video when the file has it (it comes first), else audio.
  const uint32_t lead = tracks_.front().track_id;
  int64_t end = fragment_start_;
  bool first = true;
  for (const auto& s : samples_) {
    if (s.track_id != lead) continue;
    if (first) chunk.start = s.dts, chunk.keyframe = s.keyframe, first = false;
    end = s.dts + s.duration;
  }
  chunk.duration = first ? 0 : end - chunk.start;
  out.push_back(std::move(chunk));
  samples_.clear();
}

}  // namespace relaycast::record
