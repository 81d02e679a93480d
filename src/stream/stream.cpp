#include "stream/stream.hpp"

#include "stream/subscription.hpp"

namespace relaycast {

namespace {

bool is_metadata(const MediaPacket& p) { return p.kind == TrackKind::data; }

}  // namespace

Stream::Stream(std::string key, PublisherInfo publisher, StreamLimits limits, uint32_t rtmp_chunk_size)
    : key_(std::move(key)), publisher_(std::move(publisher)), limits_(limits), rtmp_chunk_size_(rtmp_chunk_size) {}

void Stream::push(MediaPacket packet) {
  counters_.packets_in.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes_in.fetch_add(packet.payload.size(), std::memory_order_relaxed);
  stats_.on_packet(packet, std::chrono::steady_clock::now());
  // Only the publisher writes next_seq_, so it can read it without the lock; the
  // wire forms are built before taking it.
  FramePtr frame = make_frame(next_seq_, std::move(packet), rtmp_chunk_size_);
  const MediaPacket& p = frame->packet;

  // Audio alone need not wake viewers when a video frame follows within max_delay.
  const bool hold = batch_ && p.kind == TrackKind::audio && !p.config && has_video_;
  std::vector<std::shared_ptr<StreamWaiter>> to_wake;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    if (p.config && p.kind == TrackKind::video) headers_.video_config = frame;
    if (p.config && p.kind == TrackKind::audio) headers_.audio_config = frame;
    if (is_metadata(p)) headers_.metadata = frame;
    if (p.kind == TrackKind::video) has_video_ = true;
    if (p.kind == TrackKind::video && p.keyframe && !p.config) keyframe_seq_ = frame->seq;
    ring_bytes_ += frame->rtmp_bytes;
    ring_.push_back(std::move(frame));
    ++next_seq_;
    trim_locked();
    if (!hold) {
      to_wake.swap(waiters_);
      for (auto& w : to_wake) w->registered = false;
    }
  }
  wake_all(to_wake);
  if (hold) {
    hold_for_batch();
  } else if (batch_ && batch_->armed) {
    // What it held went out with this packet. The generation makes the cancelled
    // wait's late completion a no-op, so a hold armed right after is not lost.
    batch_->armed = false;
    ++batch_->generation;
    batch_->timer.cancel();
  }
}

void Stream::enable_write_batching(boost::asio::any_io_executor publisher, std::chrono::milliseconds max_delay) {
  batch_ = std::make_unique<BatchTimer>(publisher);
  batch_->max_delay = max_delay;
}

void Stream::hold_for_batch() {
  if (batch_->armed) return;
  batch_->armed = true;
  batch_->timer.expires_after(batch_->max_delay);
  batch_->timer.async_wait(
      [self = shared_from_this(), generation = batch_->generation](const boost::system::error_code& ec) {
        if (ec || generation != self->batch_->generation) return;
        self->batch_->armed = false;
        self->wake_waiters();
      });
}

void Stream::wake_waiters() {
  std::vector<std::shared_ptr<StreamWaiter>> to_wake;
  {
    std::lock_guard lock(mutex_);
    to_wake.swap(waiters_);
    for (auto& w : to_wake) w->registered = false;
  }
  wake_all(to_wake);
}

void Stream::end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  wake_waiters();
}

bool Stream::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

Stream::Headers Stream::headers() const {
  std::lock_guard lock(mutex_);
  return headers_;
}

// Keeps the newest GOP (so a new viewer starts with a picture) and the last
// max_viewer_lag_ms of media (so a briefly slow viewer loses nothing), within
// max_ring_bytes whatever the GOP length.
void Stream::trim_locked() {
  const int64_t newest = ring_.back()->packet.dts;
  const int64_t lag = ms_to_ticks(limits_.max_viewer_lag_ms);
  while (ring_.size() > 1) {
    const Frame& front = *ring_.front();
    if (ring_bytes_ <= limits_.max_ring_bytes) {
      if (keyframe_seq_ != UINT64_MAX && front.seq >= keyframe_seq_) break;
      if (newest - front.packet.dts <= lag) break;
    }
    ring_bytes_ -= front.rtmp_bytes;
    ring_.pop_front();
    ++first_seq_;
    if (keyframe_seq_ != UINT64_MAX && keyframe_seq_ < first_seq_) keyframe_seq_ = UINT64_MAX;
  }
}

uint64_t Stream::start_seq_locked() const {
  if (has_video_ && keyframe_seq_ != UINT64_MAX) return keyframe_seq_;
  return next_seq_;
}

std::shared_ptr<Subscription> Stream::subscribe(boost::asio::any_io_executor executor) {
  auto sub = std::make_shared<Subscription>(shared_from_this(), executor);
  sub->waiter_ = std::make_shared<StreamWaiter>(executor);
  std::lock_guard lock(mutex_);
  sub->cursor_ = start_seq_locked();
  sub->waiting_for_keyframe_ = sub->cursor_ != keyframe_seq_;
  for (const auto& h : {headers_.metadata, headers_.video_config, headers_.audio_config})
    if (h) sub->pending_headers_.push_back(h);
  counters_.viewers.fetch_add(1, std::memory_order_relaxed);
  counters_.viewers_total.fetch_add(1, std::memory_order_relaxed);
  return sub;
}

}  // namespace relaycast
