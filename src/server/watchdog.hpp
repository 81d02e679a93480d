#pragma once
// Deadlines for a session's socket operations without a timer per operation: the
// session arms a deadline when it starts waiting on the peer, and one timer per
// session checks it twice a second. Arming is a clock read, so it costs nothing on
// the per-packet write path.
#include <chrono>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace relaycast {

class Watchdog {
public:
  using Clock = std::chrono::steady_clock;
  // `on_expire` gets what was being waited for ("handshake", "send") and runs on the
  // session's executor; it is expected to close the socket.
  Watchdog(boost::asio::any_io_executor executor, std::function<void(const std::string&)> on_expire);

  void arm(std::chrono::milliseconds timeout, const char* what) {
    deadline_ = Clock::now() + timeout;
    what_ = what;
  }
  void disarm() { deadline_ = Clock::time_point::max(); }

  // Runs until stop(); spawn it next to the session's own coroutines.
  boost::asio::awaitable<void> run();
  void stop();

private:
  boost::asio::steady_timer timer_;
  std::function<void(const std::string&)> on_expire_;
  Clock::time_point deadline_ = Clock::time_point::max();
  const char* what_ = "";
  bool stopped_ = false;
};

}  // namespace relaycast
