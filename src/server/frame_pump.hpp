#pragma once
// The viewer's write loop, the same for every protocol whose bytes are made once per
// frame (RTMP, HTTP-FLV): take what the subscription has, write it in one gathered
// write of the shared buffers, repeat. Whatever piled up while a write was in flight
// goes out in the next one, so a busy viewer batches by itself.
#include <atomic>
#include <chrono>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "server/watchdog.hpp"
#include "stream/subscription.hpp"

namespace relaycast {

// Atomic so that the API can read a viewer's figures while it plays; only the pump
// writes them, once per gathered write.
struct PumpStats {
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> writes{0};
};

// `pieces_of(frame)` names the frame's wire form; `before_write(iov)` may add bytes
// that must precede the frames (protocol messages). Throws on socket errors.
template <class PiecesOf, class BeforeWrite>
boost::asio::awaitable<ReadStatus> pump_frames(Subscription& subscription, boost::asio::ip::tcp::socket& socket,
                                               Watchdog& watchdog, std::chrono::milliseconds send_timeout,
                                               PiecesOf pieces_of, BeforeWrite before_write, PumpStats& stats) {
  std::vector<FramePtr> frames;
  std::vector<boost::asio::const_buffer> iov;
  for (;;) {
    const ReadStatus status = co_await subscription.read(frames);
    if (status != ReadStatus::frames) co_return status;
    iov.clear();
    before_write(iov);
    for (const auto& frame : frames)
      for (const auto& piece : pieces_of(*frame)) iov.emplace_back(piece.data(), piece.size());
    watchdog.arm(send_timeout, "sending to the viewer");
    stats.bytes_sent += co_await boost::asio::async_write(socket, iov, boost::asio::use_awaitable);
    ++stats.writes;
    watchdog.disarm();
  }
}

}  // namespace relaycast
