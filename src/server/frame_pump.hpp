#pragma once
// The viewer's write path, the same for every protocol whose bytes are made once per
// frame (RTMP, HTTP-FLV).
//
// A packet reaches a worker as one posted call that runs each of that worker's
// viewers' wake callbacks in turn; the callback takes what the viewer's cursor has and
// writes it at once with one non-blocking sendmsg of the shared buffers. No coroutine
// is resumed and no operation is queued per viewer and packet: that bookkeeping cost
// more than the write itself. Only a viewer whose socket is full waits for it to
// drain (one async wait), and then takes everything that piled up in one write.
#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/buffer.hpp"
#include "server/watchdog.hpp"
#include "stream/subscription.hpp"

namespace relaycast {

// Atomic so that the API can read a viewer's figures while it plays; only the pump
// writes them, once per gathered write.
struct PumpStats {
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> writes{0};
};

// Which of a Frame's ready-made wire forms the viewer gets.
using WireForm = std::vector<Buffer> Frame::*;

// Appends bytes that must go out before the next frames (protocol messages, a file
// header); called before each write that carries frames.
using WritePrefix = std::function<void(std::vector<uint8_t>& prefix)>;

struct PumpLimits {
  std::chrono::milliseconds send_timeout;  // longest the socket may stay full
  uint32_t send_buffer_bytes = 0;          // SO_SNDBUF; 0 keeps the kernel's
};

// Sends the subscription's frames until it ends, is too slow or is cancelled, and
// says which. Throws on socket errors; the watchdog closes a socket that stays full.
boost::asio::awaitable<ReadStatus> pump_frames(Subscription& subscription, boost::asio::ip::tcp::socket& socket,
                                               Watchdog& watchdog, PumpLimits limits, WireForm form,
                                               WritePrefix prefix, PumpStats& stats);

}  // namespace relaycast
