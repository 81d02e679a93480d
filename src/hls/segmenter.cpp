#include "hls/segmenter.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "format/fmp4_fragment.hpp"
#include "format/fmp4_init.hpp"

namespace relaycast::hls {
namespace {

constexpr uint32_t kVideoTrack = 1;
constexpr uint32_t kAudioTrack = 2;

bool same_bytes(const Buffer& a, const Buffer& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Segmenter::Segmenter(SegmenterOptions options, Warn warn) : options_(options), warn_(std::move(warn)) {}

const Buffer* Segmenter::init_segment(uint32_t version) const {
  for (const auto& [v, bytes] : inits_)
    if (v == version) return &bytes;
  return nullptr;
}

uint32_t Segmenter::track_id(TrackKind kind) const { return kind == TrackKind::video ? kVideoTrack : kAudioTrack; }

void Segmenter::push(const MediaPacket& packet, Clock::time_point now) {
  if (packet.kind == TrackKind::data) return;
  if (packet.config) {
    auto& slot = packet.kind == TrackKind::video ? video_config_ : audio_config_;
    const bool changed = !slot || !same_bytes(slot->payload, packet.payload) || packet.discontinuity;
    slot = packet;
    if (started_ && changed) {
      // New codec parameters need a new initialization segment: close what is open
      // and start again at the next keyframe, after a discontinuity.
      end_of_stream();
      live_ = true;
      clock_origin_ = {packet.dts, now};
    }
    return;
  }
  auto& config = packet.kind == TrackKind::video ? video_config_ : audio_config_;
  if (!config) return;  // a frame of a track we cannot describe
  if (!started_) {
    // The first segment starts with a keyframe, or with audio when there is no video.
    if (packet.kind == TrackKind::video ? !packet.keyframe : video_config_.has_value()) return;
    if (!start(packet)) return;
    if (!clock_origin_) clock_origin_ = {packet.dts, now};
    open_segment(packet.dts, now);
  }

  const bool video = packet.kind == TrackKind::video;
  auto& pending = video ? pending_video_ : pending_audio_;
  const bool leads = video || !video_config_;  // the track whose frames may start segments
  if (pending) {
    const int64_t gap = packet.dts - pending->dts;
    if (gap > 0 && gap < ms_to_ticks(1000)) (video ? video_interval_ : audio_interval_) = gap;
    pending->duration = uint32_t(gap > 0 ? gap : (video ? video_interval_ : audio_interval_));
    if (!part_has_video_ && pending->track_id == kVideoTrack) {
      part_has_video_ = true;
      part_independent_ = pending->keyframe;
    }
    part_samples_.push_back(std::move(*pending));
    pending.reset();
  }
  if (leads) {
    const int64_t age = packet.dts - segments_.back().start;
    const bool at_keyframe = !video || packet.keyframe;
    if ((at_keyframe && age >= options_.segment_target) || age >= options_.force_cut) {
      if (!at_keyframe)
        warn_(fmt::format("no keyframe for {} ms: segment cut without one (players may show artifacts)",
                          ticks_to_ms(age)));
      close_part(packet.dts);
      close_segment(packet.dts);
      open_segment(packet.dts, now);
    } else if (packet.dts + (video ? video_interval_ : audio_interval_) - part_start_ > options_.part_target) {
      close_part(packet.dts);
    }
  } else if (packet.dts - last_video_dts_ > video_interval_ + video_interval_ / 2 &&
             packet.dts + audio_interval_ - part_start_ > options_.part_target) {
    // Video is late (a gap, a frame rate drop): audio closes the part in time, so
    // that no part grows past the target while video is missing.
    close_part(packet.dts);
  }
  if (video) last_video_dts_ = packet.dts;
  pending = fmp4::Sample{.track_id = track_id(packet.kind),
                         .dts = packet.dts,
                         .pts = packet.pts,
                         .keyframe = packet.keyframe,
                         .data = packet.payload};
  last_dts_ = std::max(last_dts_, packet.dts);
  write_ts(packet);
}

bool Segmenter::start(const MediaPacket& first) {
  tracks_.clear();
  for (const auto* config : {&video_config_, &audio_config_}) {
    if (!*config) continue;
    auto track = fmp4::track_from_config(track_id((*config)->kind), **config);
    if (!track) {
      warn_(fmt::format("{} not packaged for HLS: {}", to_string((*config)->kind), track.error().message()));
      continue;
    }
    tracks_.push_back(std::move(*track));
  }
  if (tracks_.empty()) return false;
  auto init = fmp4::make_init_segment(tracks_);
  if (!init) {
    warn_("no HLS: " + init.error().message());
    return false;
  }
  Buffer bytes = Buffer::copy_of(*init);
  if (inits_.empty() || !same_bytes(inits_.back().second, bytes)) inits_.emplace_back(++init_version_, bytes);
  codecs_ = fmp4::codecs_attribute(tracks_).value_or("");

  const bool has_video = std::any_of(tracks_.begin(), tracks_.end(), [](auto& t) { return t.track_id == kVideoTrack; });
  const bool has_audio = std::any_of(tracks_.begin(), tracks_.end(), [](auto& t) { return t.track_id == kAudioTrack; });
  ts_.emplace(mpegts::TsMuxerConfig{.has_video = has_video, .has_audio = has_audio});
  if (has_video) {
    if (auto ok = ts_->set_video_config(video_config_->payload.span()); !ok) warn_("TS: " + ok.error().message());
  }
  if (has_audio) {
    if (auto ok = ts_->set_audio_config(audio_config_->payload.span()); !ok) warn_("TS: " + ok.error().message());
  }
  if (!has_video) video_config_.reset();
  if (!has_audio) audio_config_.reset();
  (void)first;
  started_ = true;
  live_ = true;
  return true;
}

void Segmenter::write_ts(const MediaPacket& packet) {
  if (auto ok = ts_->write_packet(packet, ts_open_); !ok && !ok.error().is(Errc::ignored))
    warn_("TS: " + ok.error().message());
}

void Segmenter::close_part(int64_t end) {
  if (part_samples_.empty()) {
    part_start_ = end;
    return;
  }
  auto fragment = fmp4::make_fragment_parts(fragment_sequence_++, tracks_, part_samples_);
  if (fragment) {
    // One copy of the samples per part, into the block every viewer is then sent.
    BufferBuilder bytes(fragment->size());
    bytes.append(fragment->head);
    for (const auto& payload : fragment->payloads) bytes.append(payload.span());
    segments_.back().parts.push_back(Part{.start = part_start_,
                                          .duration = end - part_start_,
                                          .independent = part_independent_ || !video_config_,
                                          .bytes = std::move(bytes).freeze()});
  } else {
    warn_("fMP4: " + fragment.error().message());
  }
  part_samples_.clear();
  part_start_ = end;
  part_independent_ = false;
  part_has_video_ = false;
}

void Segmenter::close_segment(int64_t end) {
  Segment& open = segments_.back();
  open.duration = end - open.start;
  open.ts = Buffer::copy_of(ts_open_);
  open.complete = true;
  ts_open_.clear();
  // One segment more than the playlist lists, for players that fetch a little late.
  while (segments_.size() > options_.window + 1) {
    if (segments_.front().discontinuity) ++discontinuity_sequence_;
    segments_.pop_front();
  }
  const uint32_t oldest = segments_.front().init_version;
  std::erase_if(inits_, [&](const auto& init) { return init.first < oldest; });
}

void Segmenter::open_segment(int64_t start, Clock::time_point now) {
  Segment s;
  s.msn = next_msn_++;
  s.start = start;
  const auto& [origin_dts, origin_wall] = clock_origin_ ? *clock_origin_ : std::pair{start, now};
  s.program_date_time = origin_wall + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::microseconds((start - origin_dts) * 1000 / 90));
  s.discontinuity = discontinuity_next_;
  discontinuity_next_ = false;
  s.init_version = init_version_;
  segments_.push_back(std::move(s));
  ts_->write_tables(ts_open_);
  part_start_ = start;
}

void Segmenter::end_of_stream() {
  if (!started_) return;
  // The stream ends where its leading track ends (audio runs a frame ahead at most).
  const int64_t end = video_config_ ? last_video_dts_ + video_interval_ : last_dts_ + audio_interval_;
  for (auto* pending : {&pending_video_, &pending_audio_}) {
    if (!*pending) continue;
    (*pending)->duration = uint32_t(pending == &pending_video_ ? video_interval_ : audio_interval_);
    part_samples_.push_back(std::move(**pending));
    pending->reset();
  }
  close_part(end);
  close_segment(end);
  started_ = false;
  live_ = false;
  discontinuity_next_ = true;
  clock_origin_.reset();
}

}  // namespace relaycast::hls
