#include "server/frame_pump.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace relaycast {
namespace {

// One viewer's writer. Runs on the socket's executor only: from the subscription's
// wake callback, from the socket's "writable" wait, and from pump_frames.
class ViewerSink : public std::enable_shared_from_this<ViewerSink> {
public:
  ViewerSink(Subscription& subscription, boost::asio::ip::tcp::socket& socket, Watchdog& watchdog,
             std::chrono::milliseconds send_timeout, WireForm form, WritePrefix prefix, PumpStats& stats)
      : subscription_(subscription),
        socket_(socket),
        watchdog_(watchdog),
        send_timeout_(send_timeout),
        form_(form),
        prefix_fn_(std::move(prefix)),
        stats_(stats),
        done_signal_(socket.get_executor()) {}

  boost::asio::awaitable<ReadStatus> run() {
    subscription_.set_wake_callback([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->pump();
    });
    pump();
    while (!result_) {
      done_signal_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await done_signal_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    if (error_) throw boost::system::system_error(error_, "sending to the viewer");
    co_return *result_;
  }

private:
  // Writes what is pending, then what the cursor has, until the cursor is empty (the
  // wake callback brings us back) or the socket is full (its writable wait does).
  void pump() {
    if (result_) return;
    if (subscription_.cancelled()) return finish(ReadStatus::cancelled);
    if (waiting_for_socket_) return;
    for (;;) {
      if (!flush()) return;
      const ReadStatus status = subscription_.try_read(frames_);
      if (status == ReadStatus::nothing) return;
      if (status != ReadStatus::frames) return finish(status);
      prepare_write();
    }
  }

  void prepare_write() {
    prefix_.clear();
    if (prefix_fn_) prefix_fn_(prefix_);
    iov_.clear();
    next_ = 0;
    if (!prefix_.empty()) iov_.push_back({prefix_.data(), prefix_.size()});
    for (const auto& frame : frames_)
      for (const auto& piece : (*frame).*form_)
        iov_.push_back({const_cast<uint8_t*>(piece.data()), piece.size()});
  }

  // True when everything prepared went out; false when the socket is full (a wait for
  // it is started) or the write failed (finished).
  bool flush() {
    while (next_ < iov_.size()) {
      msghdr msg{};
      msg.msg_iov = iov_.data() + next_;
      msg.msg_iovlen = std::min<size_t>(iov_.size() - next_, IOV_MAX);
      const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          wait_for_socket();
          return false;
        }
        error_.assign(errno, boost::system::system_category());
        finish(ReadStatus::cancelled);
        return false;
      }
      stats_.writes.fetch_add(1, std::memory_order_relaxed);
      stats_.bytes_sent.fetch_add(size_t(n), std::memory_order_relaxed);
      consume(size_t(n));
    }
    iov_.clear();
    next_ = 0;
    frames_.clear();  // the frames' buffers may go back to the ring now
    release_burst_capacity();
    return true;
  }

  // A join or a catch-up writes a whole GOP at once (up to max_batch_frames frames,
  // a few pieces each); live play then writes one or two frames at a time. Keeping
  // the burst's capacity would cost every viewer ~4 KB for nothing.
  void release_burst_capacity() {
    constexpr size_t kLiveFrames = 8;
    constexpr size_t kLivePieces = 4 * kLiveFrames;
    if (frames_.capacity() > kLiveFrames) std::vector<FramePtr>().swap(frames_);
    if (iov_.capacity() > kLivePieces) std::vector<iovec>().swap(iov_);
    if (prefix_.capacity() > 256) std::vector<uint8_t>().swap(prefix_);
  }

  void consume(size_t n) {
    while (n > 0 && n >= iov_[next_].iov_len) n -= iov_[next_++].iov_len;
    if (n > 0) {
      iov_[next_].iov_base = static_cast<uint8_t*>(iov_[next_].iov_base) + n;
      iov_[next_].iov_len -= n;
    }
  }

  void wait_for_socket() {
    waiting_for_socket_ = true;
    watchdog_.arm(send_timeout_, "sending to the viewer");
    socket_.async_wait(boost::asio::socket_base::wait_write,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                         if (self->result_) return;
                         self->waiting_for_socket_ = false;
                         self->watchdog_.disarm();
                         if (ec) {
                           self->error_ = ec;
                           return self->finish(ReadStatus::cancelled);
                         }
                         self->pump();
                       });
  }

  void finish(ReadStatus status) {
    result_ = status;
    watchdog_.disarm();
    done_signal_.cancel();
  }

  Subscription& subscription_;
  boost::asio::ip::tcp::socket& socket_;
  Watchdog& watchdog_;
  const std::chrono::milliseconds send_timeout_;
  const WireForm form_;
  const WritePrefix prefix_fn_;
  PumpStats& stats_;
  boost::asio::steady_timer done_signal_;

  std::vector<FramePtr> frames_;  // keeps the buffers in iov_ alive until written
  std::vector<uint8_t> prefix_;
  std::vector<iovec> iov_;
  size_t next_ = 0;  // first iov_ entry not fully written
  bool waiting_for_socket_ = false;
  std::optional<ReadStatus> result_;
  boost::system::error_code error_;
};

}  // namespace

boost::asio::awaitable<ReadStatus> pump_frames(Subscription& subscription, boost::asio::ip::tcp::socket& socket,
                                               Watchdog& watchdog, PumpLimits limits, WireForm form,
                                               WritePrefix prefix, PumpStats& stats) {
  if (limits.send_buffer_bytes > 0) socket.set_option(boost::asio::socket_base::send_buffer_size(int(limits.send_buffer_bytes)));
  auto sink = std::make_shared<ViewerSink>(subscription, socket, watchdog, limits.send_timeout, form, std::move(prefix),
                                           stats);
  co_return co_await sink->run();
}

}  // namespace relaycast
