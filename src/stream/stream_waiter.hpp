#pragma once
// A subscriber waiting for packets, woken on its own executor when the stream it reads
// gets packets or ends: either a coroutine parked in Subscription::read() (the timer)
// or a callback (`on_wake`), which lets a viewer's writes run without resuming a
// coroutine per packet.
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace relaycast {

struct StreamWaiter {
  explicit StreamWaiter(boost::asio::any_io_executor ex) : executor(ex), timer(ex) {}

  boost::asio::any_io_executor executor;
  boost::asio::steady_timer timer;  // waited on with no expiry; cancel() is the wake-up
  bool notified = false;            // only touched on `executor`
  bool registered = false;          // guarded by the stream's mutex
  std::function<void()> on_wake;    // when set, called instead of cancelling the timer
};

inline void wake(StreamWaiter& w) {
  if (w.on_wake) {
    w.on_wake();
    return;
  }
  w.notified = true;
  w.timer.cancel();
}

// Wakes each waiter on its own executor, with one post per executor (worker) rather
// than one per waiter: a stream with a thousand viewers on two workers costs two
// posts a packet. Posting keeps every timer on its own thread: the publisher may run
// on another one.
inline void wake_all(std::vector<std::shared_ptr<StreamWaiter>>& waiters) {
  while (!waiters.empty()) {
    const auto executor = waiters.front()->executor;
    std::vector<std::shared_ptr<StreamWaiter>> same;
    std::erase_if(waiters, [&](auto& w) {
      if (w->executor != executor) return false;
      same.push_back(std::move(w));
      return true;
    });
    boost::asio::post(executor, [same = std::move(same)] {
      for (const auto& w : same) wake(*w);
    });
  }
}

}  // namespace relaycast
