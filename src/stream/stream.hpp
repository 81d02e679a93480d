#pragma once
// One live publish session of `app/name`: one publisher, any number of subscribers.
//
// The publisher pushes packets into a bounded ring; subscribers read it through their
// own Subscription (cursor) from any thread. Pushing never copies a payload and never
// waits for a subscriber; memory is bounded by the ring, not by the viewers. When the
// publisher leaves the Stream ends: subscribers drain what is left and finish, and a
// new publish of the same name is a new Stream.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "media/media_packet.hpp"
#include "stream/frame.hpp"
#include "stream/stream_limits.hpp"
#include "stream/stream_stats.hpp"
#include "stream/stream_waiter.hpp"

namespace relaycast {

class Subscription;

struct PublisherInfo {
  std::string protocol;  // "rtmp"
  std::string address;   // "127.0.0.1:51234"
};

struct StreamCounters {
  std::atomic<uint64_t> packets_in{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> frames_dropped{0};  // by the slow-viewer policy, over all viewers
  std::atomic<uint32_t> viewers{0};
  std::atomic<uint64_t> viewers_total{0};
};

class Stream : public std::enable_shared_from_this<Stream> {
public:
  Stream(std::string key, PublisherInfo publisher, StreamLimits limits, uint32_t rtmp_chunk_size);

  const std::string& key() const { return key_; }
  const PublisherInfo& publisher() const { return publisher_; }
  const StreamLimits& limits() const { return limits_; }
  StreamCounters& counters() { return counters_; }
  StreamStats& stats() { return stats_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  // Publisher side. With batching on, audio is held back up to `max_delay` so that it
  // goes out with the next video frame in one write (video is never held): a viewer
  // then costs one write per video frame instead of one per packet. Call on the
  // publisher's executor, before the first push; push() must then run there too.
  void enable_write_batching(boost::asio::any_io_executor publisher, std::chrono::milliseconds max_delay);
  void push(MediaPacket packet);
  void end();
  bool ended() const;

  // Subscriber side: a cursor at the newest keyframe, handing out the stream's codec
  // configuration and metadata first. `executor` is where the subscriber runs; it is
  // woken there when packets arrive.
  std::shared_ptr<Subscription> subscribe(boost::asio::any_io_executor executor);

  // Current codec configuration and metadata frames (null when not seen yet).
  struct Headers {
    FramePtr metadata, video_config, audio_config;
  };
  Headers headers() const;

private:
  friend class Subscription;

  void trim_locked();
  void wake_waiters();
  void hold_for_batch();
  uint64_t start_seq_locked() const;

  const std::string key_;
  const PublisherInfo publisher_;
  const StreamLimits limits_;
  const uint32_t rtmp_chunk_size_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  StreamCounters counters_;
  StreamStats stats_;  // written by push() only

  mutable std::mutex mutex_;
  std::deque<FramePtr> ring_;  // ring_[i]->seq == first_seq_ + i
  uint64_t first_seq_ = 0;
  uint64_t next_seq_ = 0;
  size_t ring_bytes_ = 0;
  bool has_video_ = false;
  uint64_t keyframe_seq_ = UINT64_MAX;  // the newest video keyframe in the ring
  Headers headers_;
  bool ended_ = false;
  std::vector<std::shared_ptr<StreamWaiter>> waiters_;

  // Only touched on the publisher's executor.
  struct BatchTimer {
    explicit BatchTimer(boost::asio::any_io_executor ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    std::chrono::milliseconds max_delay{0};
    bool armed = false;
    uint64_t generation = 0;
  };
  std::unique_ptr<BatchTimer> batch_;
};

}  // namespace relaycast
