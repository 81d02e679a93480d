#include "server/watchdog.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaycast {

Watchdog::Watchdog(boost::asio::any_io_executor executor, std::function<void(const std::string&)> on_expire)
    : timer_(executor), on_expire_(std::move(on_expire)) {}

boost::asio::awaitable<void> Watchdog::run() {
  while (!stopped_) {
    timer_.expires_after(std::chrono::milliseconds(500));
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (!stopped_ && Clock::now() > deadline_) {
      stopped_ = true;
      on_expire_(what_);
    }
  }
}

void Watchdog::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace relaycast
