#include "hls/channel.hpp"

#include <charconv>

#include "core/log.hpp"
#include "hls/playlist.hpp"

namespace relaycast::hls {
namespace {

std::optional<uint64_t> number(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Changes when a part or a segment is made: what blocked clients wait for.
size_t progress(const Segmenter& s) {
  if (s.segments().empty()) return 0;
  const auto& back = s.segments().back();
  return size_t(back.msn) * 4096 + back.parts.size() * 2 + back.complete;
}

// RFC 8216bis 6.2.5.2: a part more than the Advance Part Limit (three seconds' worth of
// parts, at least three) past the newest one is refused rather than waited for.
bool beyond_advance_limit(const Segmenter& s, uint64_t msn, uint64_t part) {
  const auto& back = s.segments().back();
  const int64_t part_target = s.options().part_target;
  const int64_t limit = std::max<int64_t>(3, (3 * kTimebase + part_target - 1) / part_target);
  // Parts of the next segments count from their start: how many the open one will
  // still get is not known.
  const int64_t ahead = msn == back.msn ? int64_t(part) - int64_t(back.parts.size()) : int64_t(part);
  return ahead > limit;
}

const Segment* find(const Segmenter& s, uint64_t msn) {
  for (const auto& seg : s.segments())
    if (seg.msn == msn) return &seg;
  return nullptr;
}

}  // namespace

Channel::Channel(std::string key, SegmenterOptions options, std::string epoch, std::string directory)
    : key_(std::move(key)),
      epoch_(std::move(epoch)),
      segmenter_(options, [this](const std::string& line) { spdlog::warn("hls {}: {}", key_, line); }) {
  if (!directory.empty()) directory_.emplace(directory, key_);
}

void Channel::push(const MediaPacket& packet) {
  std::vector<std::shared_ptr<StreamWaiter>> to_wake;
  {
    std::lock_guard lock(mutex_);
    segmenter_.push(packet, std::chrono::system_clock::now());
    wake_locked(to_wake);
  }
  wake_all(to_wake);
}

void Channel::end_of_stream() {
  std::vector<std::shared_ptr<StreamWaiter>> to_wake;
  {
    std::lock_guard lock(mutex_);
    segmenter_.end_of_stream();
    if (directory_) directory_->sync(segmenter_, epoch_);
    ended_at_ = std::chrono::steady_clock::now();
    to_wake.swap(waiters_);
    for (auto& w : to_wake) w->registered = false;
  }
  wake_all(to_wake);
}

void Channel::wake_locked(std::vector<std::shared_ptr<StreamWaiter>>& out) {
  const size_t now = progress(segmenter_);
  if (now == observed_parts_) return;
  observed_parts_ = now;
  // Disk copies change only when a segment completes (a couple of times a minute).
  const auto& segs = segmenter_.segments();
  const size_t completed = segs.empty() ? 0 : size_t(segs.back().msn) + segs.back().complete;
  if (directory_ && completed != completed_segments_) {
    completed_segments_ = completed;
    directory_->sync(segmenter_, epoch_);
  }
  out.swap(waiters_);
  for (auto& w : out) w->registered = false;
}

bool Channel::live() const {
  std::lock_guard lock(mutex_);
  return segmenter_.live();
}

std::chrono::steady_clock::time_point Channel::ended_at() const {
  std::lock_guard lock(mutex_);
  return ended_at_;
}

std::string Channel::playlist(PlaylistKind kind) const {
  std::lock_guard lock(mutex_);
  switch (kind) {
    case PlaylistKind::ts:
      return render_ts_playlist(segmenter_, epoch_);
    case PlaylistKind::ll:
      return render_ll_playlist(segmenter_, epoch_);
    case PlaylistKind::multivariant:
      return render_multivariant_playlist(segmenter_, "ll.m3u8");
  }
  return {};
}

// RFC 8216bis 6.2.5.2: a playlist request with _HLS_msn (and _HLS_part) is answered
// once that segment (part) exists; one asking more than two segments ahead gets 400.
Availability Channel::playlist_ready(uint64_t msn, std::optional<uint32_t> part) const {
  std::lock_guard lock(mutex_);
  const auto& segs = segmenter_.segments();
  if (segs.empty()) return segmenter_.live() ? Availability::pending : Availability::ready;
  if (msn > segs.back().msn + 2) return Availability::too_far;
  if (part && msn >= segs.back().msn && beyond_advance_limit(segmenter_, msn, *part)) return Availability::too_far;
  if (msn < segs.front().msn || !segmenter_.live()) return Availability::ready;
  const Segment* seg = find(segmenter_, msn);
  if (seg && (seg->complete || (part && *part < seg->parts.size()))) return Availability::ready;
  return Availability::pending;
}

Availability Channel::part_availability_locked(uint64_t msn, uint32_t part) const {
  const auto& segs = segmenter_.segments();
  if (segs.empty()) return Availability::gone;
  const Segment& back = segs.back();
  if (msn > back.msn + 2 || (msn >= back.msn && beyond_advance_limit(segmenter_, msn, part)))
    return Availability::too_far;
  if (const Segment* seg = find(segmenter_, msn)) {
    if (part < seg->parts.size()) return Availability::ready;
    if (!seg->complete && part == seg->parts.size() && segmenter_.live()) return Availability::pending;
    return Availability::gone;
  }
  // The first part of the segment after the newest one: hinted once that one is done.
  if (msn == back.msn + 1 && part == 0 && segmenter_.live()) return Availability::pending;
  return Availability::gone;
}

FileLookup Channel::file(std::string_view name) const {
  FileLookup out;
  if (!name.starts_with(epoch_) || name.size() <= epoch_.size() + 1 || name[epoch_.size()] != '-') return out;
  name.remove_prefix(epoch_.size() + 1);
  std::lock_guard lock(mutex_);

  if (name.starts_with("init") && name.ends_with(".mp4")) {
    auto version = number(name.substr(4, name.size() - 8));
    if (version && *version > UINT32_MAX) version.reset();
    if (const Buffer* init = version ? segmenter_.init_segment(uint32_t(*version)) : nullptr) {
      out = {Availability::ready, {*init}, "video/mp4"};
    }
    return out;
  }
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return out;
  const auto msn = number(name.substr(0, dot));
  if (!msn) return out;
  const std::string_view rest = name.substr(dot + 1);
  const Segment* seg = find(segmenter_, *msn);

  if (rest == "ts" || rest == "m4s") {
    if (seg && seg->complete) {
      if (rest == "ts") {
        out = {Availability::ready, {seg->ts}, "video/mp2t"};
      } else {
        out = {Availability::ready, {}, "video/mp4"};
        for (const auto& p : seg->parts) out.bytes.push_back(p.bytes);
      }
    } else if (seg && segmenter_.live()) {
      out.availability = Availability::pending;
    }
    return out;
  }
  if (!rest.ends_with(".m4s")) return out;
  const auto part = number(rest.substr(0, rest.size() - 4));
  if (!part || *part > UINT32_MAX) return out;
  out.availability = part_availability_locked(*msn, uint32_t(*part));
  out.content_type = "video/mp4";
  if (out.availability == Availability::ready) out.bytes = {seg->parts[*part].bytes};
  return out;
}

void Channel::wait(const std::shared_ptr<StreamWaiter>& waiter) {
  std::lock_guard lock(mutex_);
  if (!waiter->registered) {
    waiter->registered = true;
    waiters_.push_back(waiter);
  }
}

void Channel::forget(const std::shared_ptr<StreamWaiter>& waiter) {
  std::lock_guard lock(mutex_);
  std::erase(waiters_, waiter);
  waiter->registered = false;
}

}  // namespace relaycast::hls
