#include "stream/subscription.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaycast {

Subscription::Subscription(std::shared_ptr<Stream> stream, boost::asio::any_io_executor)
    : stream_(std::move(stream)) {}

Subscription::~Subscription() {
  if (waiter_) {
    std::lock_guard lock(stream_->mutex_);
    std::erase(stream_->waiters_, waiter_);
  }
  stream_->counters_.viewers.fetch_sub(1, std::memory_order_relaxed);
}

void Subscription::cancel() {
  cancelled_ = true;
  wake(*waiter_);
}

void Subscription::set_wake_callback(std::function<void()> on_wake) { waiter_->on_wake = std::move(on_wake); }

ReadStatus Subscription::try_read(std::vector<FramePtr>& out) {
  out.clear();
  if (cancelled_) return ReadStatus::cancelled;
  Take took;
  {
    std::lock_guard lock(stream_->mutex_);
    took = take_locked(out);
    if (took == Take::empty && !waiter_->registered) {
      waiter_->registered = true;
      stream_->waiters_.push_back(waiter_);
    }
  }
  switch (took) {
    case Take::frames: return ReadStatus::frames;
    case Take::ended: return ReadStatus::ended;
    case Take::too_slow: return ReadStatus::too_slow;
    case Take::empty: break;
  }
  return ReadStatus::nothing;
}

// The slow-viewer policy (DESIGN.md, data path 3): a cursor that fell off the ring
// moves to the newest keyframe and the frames in between are counted as dropped; one
// that has to move too often is disconnected.
Subscription::Take Subscription::take_locked(std::vector<FramePtr>& out) {
  Stream& s = *stream_;
  for (auto& h : pending_headers_) out.push_back(std::move(h));
  pending_headers_.clear();

  if (cursor_ < s.first_seq_) {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(skips_, [&](auto t) { return now - t > std::chrono::minutes(1); });
    skips_.push_back(now);
    if (int(skips_.size()) > s.limits_.max_skips_per_minute) return Take::too_slow;
    const uint64_t target = s.start_seq_locked();
    dropped_ += target - cursor_;
    s.counters_.frames_dropped.fetch_add(target - cursor_, std::memory_order_relaxed);
    cursor_ = target;
    waiting_for_keyframe_ = target != s.keyframe_seq_;
    // Configuration and metadata that changed in the skipped part must still reach
    // the decoder, before the keyframe.
    for (const auto& h : {s.headers_.metadata, s.headers_.video_config, s.headers_.audio_config})
      if (h && h->seq < target) out.push_back(h);
  }

  const size_t limit = s.limits_.max_batch_frames;
  while (cursor_ < s.next_seq_ && out.size() < limit) {
    const FramePtr& f = s.ring_[cursor_ - s.first_seq_];
    ++cursor_;
    const MediaPacket& p = f->packet;
    if (waiting_for_keyframe_ && p.kind == TrackKind::video && !p.config) {
      if (!p.keyframe) continue;
      waiting_for_keyframe_ = false;
    }
    out.push_back(f);
  }
  if (!out.empty()) return Take::frames;
  return s.ended_ ? Take::ended : Take::empty;
}

boost::asio::awaitable<ReadStatus> Subscription::read(std::vector<FramePtr>& out) {
  for (;;) {
    if (const ReadStatus status = try_read(out); status != ReadStatus::nothing) co_return status;
    // A wake-up posted between registering and this wait runs after the wait starts:
    // both happen on this executor, and the post is queued behind this coroutine.
    if (!waiter_->notified) {
      waiter_->timer.expires_at(std::chrono::steady_clock::time_point::max());
      co_await waiter_->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    waiter_->notified = false;
  }
}

}  // namespace relaycast
