#include "hls/segmenter.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "format/fmp4_fragment.hpp"
#include "format/fmp4_init.hpp"
#include "format/fmp4_track.hpp"

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
  if (!fmp4::carries(packet.kind, packet.codec)) {
    // AV1 or VP9 passed through from Enhanced RTMP: the other track is packaged alone.
    if (!std::exchange(told_skipped_codec_, true))
      warn_(fmt::format("{} {} is not packaged for HLS (only H.264/HEVC video and AAC audio): skipped",
                        to_string(packet.codec), to_string(packet.kind)));
    return;
  }
  if (packet.config) {
    on_config(packet, now);
    return;
  }
  const bool video = packet.kind == TrackKind::video;
  if (!(video ? video_config_ : audio_config_)) return;  // a frame of a track we cannot describe
  if (!started_) {
    // The first segment starts with a keyframe, or with audio when there is no video.
    if (video ? !packet.keyframe : video_config_.has_value()) return;
    if (!start()) return;
    if (!clock_origin_) clock_origin_ = {packet.dts, now};
    open_segment(packet.dts, now, true);
  }

  TrackState& track = video ? video_ : audio_;
  if (video || !video_config_) {
    on_leading_frame(packet, track, now);
  } else {
    on_following_frame(packet, track);
  }
  track.last_dts = packet.dts;
  track.pending = fmp4::Sample{.track_id = track_id(packet.kind),
                               .dts = packet.dts,
                               .pts = packet.pts,
                               .keyframe = packet.keyframe,
                               .data = packet.payload};
  write_ts(packet);
}

void Segmenter::on_config(const MediaPacket& packet, Clock::time_point now) {
  auto& slot = packet.kind == TrackKind::video ? video_config_ : audio_config_;
  // A relay that switched origins flags the splice even when the parameters match.
  const bool changed = !slot || !same_bytes(slot->payload, packet.payload) || packet.discontinuity;
  slot = packet;
  if (started_ && changed) {
    // New codec parameters need a new initialization segment: close what is open
    // (by the time the new parameters apply) and start again at the next keyframe,
    // after a discontinuity. The other track's configuration still holds.
    stop(packet.dts);
    live_ = true;
    clock_origin_ = {packet.dts, now};
  }
}

void Segmenter::complete_pending(TrackState& track, int64_t next_dts) {
  if (!track.pending) return;
  const int64_t gap = next_dts - track.pending->dts;
  track.interval.add_gap(gap);
  track.pending->duration = uint32_t(gap > 0 ? gap : track.interval.value());
  part_samples_.push_back(std::move(*track.pending));
  track.pending.reset();
}

void Segmenter::on_leading_frame(const MediaPacket& packet, TrackState& track, Clock::time_point now) {
  const int64_t dts = packet.dts;
  const int64_t target = options_.part_target;
  // A frame later than predicted (jitter, a dropped frame): the part would overrun the
  // target if it ended here, so it ends where this frame's predecessor starts.
  if (track.pending && dts - part_start_ > target && track.pending->dts > part_start_ && !part_samples_.empty())
    close_part(track.pending->dts);
  complete_pending(track, dts);

  const int64_t age = dts - segments_.back().start;
  const bool at_keyframe = track_id(packet.kind) == kAudioTrack || packet.keyframe;
  if ((at_keyframe && age >= options_.segment_target) || age >= options_.force_cut) {
    if (!at_keyframe)
      warn_(fmt::format("no keyframe for {} ms: segment cut without one (players may show artifacts)",
                        ticks_to_ms(age)));
    // The audio may have closed a part past this frame while it was late: then the
    // segment starts where that part ended.
    const int64_t cut = part_samples_.empty() ? part_start_ : std::max(dts, part_start_);
    close_part(cut);
    close_segment(cut);
    open_segment(cut, now, at_keyframe);
  } else if (dts + track.interval.value() - part_start_ > target) {
    // The next frame would end the part past the target: end it at this one.
    close_part(dts);
  }
}

void Segmenter::on_following_frame(const MediaPacket& packet, TrackState& track) {
  complete_pending(track, packet.dts);
  // Video is late when its next frame is two intervals overdue (more than the
  // interleaving of audio and video in a publish). Then the audio ends the part in
  // time: at this frame, or at the target if the lateness shows only past it.
  const int64_t deadline = part_start_ + options_.part_target;
  const bool video_late = packet.dts > video_.last_dts + 2 * video_.interval.value();
  if (video_late && packet.dts + track.interval.value() > deadline && !part_samples_.empty())
    close_part(std::min(packet.dts, deadline));
}

bool Segmenter::start() {
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
  video_size_ = {0, 0};
  for (const auto& track : tracks_)
    if (auto details = fmp4::describe_track(track); details && track.kind == TrackKind::video)
      video_size_ = {details->width, details->height};

  const bool has_video = std::any_of(tracks_.begin(), tracks_.end(), [](auto& t) { return t.track_id == kVideoTrack; });
  const bool has_audio = std::any_of(tracks_.begin(), tracks_.end(), [](auto& t) { return t.track_id == kAudioTrack; });
  ts_.emplace(mpegts::TsMuxerConfig{.has_video = has_video,
                                    .has_audio = has_audio,
                                    .video_codec = has_video ? video_config_->codec : Codec::h264});
  if (has_video) {
    if (auto ok = ts_->set_video_config(video_config_->payload.span()); !ok) warn_("TS: " + ok.error().message());
  }
  if (has_audio) {
    if (auto ok = ts_->set_audio_config(audio_config_->payload.span()); !ok) warn_("TS: " + ok.error().message());
  }
  if (!has_video) video_config_.reset();
  if (!has_audio) audio_config_.reset();
  started_ = true;
  live_ = true;
  return true;
}

void Segmenter::write_ts(const MediaPacket& packet) {
  if (auto ok = ts_->write_packet(packet, ts_open_); !ok && !ok.error().is(Errc::ignored))
    warn_("TS: " + ok.error().message());
}

void Segmenter::close_part(int64_t end) {
  if (end <= part_start_ || part_samples_.empty()) return;
  // RFC 8216bis 4.4.4.9: INDEPENDENT=YES when the part starts with a keyframe (its
  // first video sample is one); every audio frame is one.
  bool independent = !video_config_;
  for (const auto& sample : part_samples_) {
    if (sample.track_id != kVideoTrack) continue;
    independent = sample.keyframe;
    break;
  }
  auto fragment = fmp4::make_fragment_parts(fragment_sequence_++, tracks_, part_samples_);
  if (fragment) {
    // One copy of the samples per part, into the block every viewer is then sent.
    BufferBuilder bytes(fragment->size());
    bytes.append(fragment->head);
    for (const auto& payload : fragment->payloads) bytes.append(payload.span());
    segments_.back().parts.push_back(Part{.start = part_start_,
                                          .duration = end - part_start_,
                                          .independent = independent,
                                          .bytes = std::move(bytes).freeze()});
  } else {
    warn_("fMP4: " + fragment.error().message());
  }
  part_samples_.clear();
  part_start_ = end;
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

void Segmenter::open_segment(int64_t start, Clock::time_point now, bool independent) {
  Segment s;
  s.msn = next_msn_++;
  s.start = start;
  const auto& [origin_dts, origin_wall] = clock_origin_ ? *clock_origin_ : std::pair{start, now};
  s.program_date_time = origin_wall + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::microseconds((start - origin_dts) * 1000 / 90));
  s.discontinuity = discontinuity_next_;
  discontinuity_next_ = false;
  s.independent = independent;
  s.init_version = init_version_;
  segments_.push_back(std::move(s));
  ts_->write_tables(ts_open_);
  part_start_ = start;
}

void Segmenter::stop(std::optional<int64_t> limit) {
  if (!started_) return;
  // The media ends where the track that lasts longest ends; the newest frame of each
  // track gets the usual frame duration.
  int64_t end = part_start_;
  for (TrackState* track : {&video_, &audio_}) {
    if (!track->pending) continue;
    end = std::max(end, track->pending->dts + track->interval.value());
    complete_pending(*track, track->pending->dts);
  }
  // A codec change applies from its configuration on: the segment before it may not
  // overlap the next one.
  if (limit && *limit > part_start_) end = std::min(end, *limit);
  // What is left may be longer than a part: end parts at frames within the target, as
  // live: preferably where a frame of the leading track starts, at least 85 % of the
  // target in (RFC 8216bis 4.4.4.9), else where any frame starts.
  const uint32_t leading = video_config_ ? kVideoTrack : kAudioTrack;
  while (end - part_start_ > options_.part_target) {
    const int64_t latest = part_start_ + options_.part_target;
    const int64_t soonest = part_start_ + options_.part_target * 85 / 100;
    int64_t boundary = part_start_;
    const std::array<std::pair<bool, int64_t>, 3> choices{{{false, soonest}, {true, soonest}, {true, part_start_ + 1}}};
    for (const auto& [any_track, from] : choices) {
      for (const auto& sample : part_samples_)
        if ((any_track || sample.track_id == leading) && sample.dts >= from && sample.dts <= latest)
          boundary = std::max(boundary, sample.dts);
      if (boundary > part_start_) break;
    }
    if (boundary == part_start_) break;  // one frame longer than a part: it stays whole
    std::vector<fmp4::Sample> later;
    std::erase_if(part_samples_, [&](fmp4::Sample& sample) {
      if (sample.dts < boundary) return false;
      later.push_back(std::move(sample));
      return true;
    });
    close_part(boundary);
    part_samples_ = std::move(later);
  }
  close_part(end);
  close_segment(part_start_);
  started_ = false;
  live_ = false;
  discontinuity_next_ = true;
  clock_origin_.reset();
  video_.reset();
  audio_.reset();
}

void Segmenter::end_of_stream() {
  stop(std::nullopt);
  // A new publish sends its own configurations, and may have other tracks.
  video_config_.reset();
  audio_config_.reset();
}

}  // namespace relaycast::hls
