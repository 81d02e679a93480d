#pragma once
// A subscriber parked in Subscription::read(), woken on its own executor when the
// stream it reads gets packets or ends.
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
};

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
      for (const auto& w : same) {
        w->notified = true;
        w->timer.cancel();
      }
    });
  }
}

}  // namespace relaycast
