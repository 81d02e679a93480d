#pragma once
// A subscriber's cursor into a Stream's ring. Used from one executor only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "stream/stream.hpp"

namespace relaycast {

enum class ReadStatus {
  frames,     // `out` holds frames to send
  ended,      // the publisher left and everything was read
  too_slow,   // moved forward too often: the viewer cannot keep up
  cancelled,  // cancel() was called
  nothing,    // try_read() only: nothing to send yet; the wake callback will run
};

class Subscription {
public:
  Subscription(std::shared_ptr<Stream> stream, boost::asio::any_io_executor executor);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Waits until there is something to send and appends it to `out` (cleared first).
  boost::asio::awaitable<ReadStatus> read(std::vector<FramePtr>& out);
  // Wakes a pending read with `cancelled`. Call on the subscription's executor.
  void cancel();

  // Callback mode, for writers that are not coroutines: `on_wake` runs on the
  // subscription's executor whenever try_read() answered `nothing` and packets came
  // (or the stream ended, or cancel() was called). Set it before the first try_read().
  void set_wake_callback(std::function<void()> on_wake);
  // Never waits: appends what there is to `out` (cleared first), or says `nothing`.
  ReadStatus try_read(std::vector<FramePtr>& out);

  const std::shared_ptr<Stream>& stream() const { return stream_; }
  uint64_t frames_dropped() const { return dropped_; }
  bool cancelled() const { return cancelled_; }

private:
  friend class Stream;
  enum class Take { frames, empty, ended, too_slow };
  Take take_locked(std::vector<FramePtr>& out);

  std::shared_ptr<Stream> stream_;
  std::shared_ptr<StreamWaiter> waiter_;
  uint64_t cursor_ = 0;
  bool waiting_for_keyframe_ = false;
  std::vector<FramePtr> pending_headers_;
  // When the cursor was moved forward in the last minute. A vector, not a deque: a
  // deque allocates ~600 bytes even empty, for every viewer, and this is rarely used.
  std::vector<std::chrono::steady_clock::time_point> skips_;
  uint64_t dropped_ = 0;
  bool cancelled_ = false;
};

}  // namespace relaycast
