#include "relay/push_task.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "format/flv.hpp"
#include "relay/backoff.hpp"
#include "stream/subscription.hpp"

namespace relaycast::relay {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

PushTask::PushTask(uint64_t id, std::shared_ptr<Stream> stream, std::vector<RtmpUrl> targets, bool forward,
                   PushOptions options, uint64_t rule)
    : stream_(std::move(stream)), targets_(std::move(targets)), options_(options) {
  status_.id = id;
  status_.rule = rule;
  status_.stream = stream_->key();
  status_.url = targets_.empty() ? "" : targets_.front().redacted();
  status_.forward = forward;
  status_.since = std::chrono::system_clock::now();
}

PushStatus PushTask::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

bool PushTask::done() const {
  std::lock_guard lock(mutex_);
  return status_.state == PushState::stopped;
}

void PushTask::set_state(PushState state, const RtmpUrl* target) {
  std::lock_guard lock(mutex_);
  status_.state = state;
  status_.since = std::chrono::system_clock::now();
  if (target) status_.url = target->redacted();
}

void PushTask::set_error(const std::string& error) {
  std::lock_guard lock(mutex_);
  status_.last_error = error;
  ++status_.failures;
}

void PushTask::stop() {
  std::optional<asio::any_io_executor> executor;
  {
    std::lock_guard lock(mutex_);
    executor = executor_;
  }
  if (!executor) return;
  asio::post(*executor, [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->subscription_) self->subscription_->cancel();
    if (self->client_) self->client_->close();
    if (self->pause_) self->pause_->cancel();
  });
}

asio::awaitable<void> PushTask::run(asio::any_io_executor executor) {
  const char* what = status_.forward ? "forward" : "push";
  auto self = shared_from_this();
  {
    std::lock_guard lock(mutex_);
    executor_ = executor;
  }
  size_t next = 0;
  uint32_t failures = 0;
  asio::steady_timer pause(executor);
  pause_ = &pause;
  while (!stream_->ended() && !targets_.empty() && !stopping_) {
    const RtmpUrl& target = targets_[next++ % targets_.size()];
    const uint32_t connections_before = status().connections;
    auto result = co_await push_once(executor, target);
    client_.reset();
    subscription_.reset();
    if (result || stream_->ended() || stopping_) break;
    set_error(result.error().message());
    // A connection that got as far as publishing starts the backoff afresh.
    failures = status().connections > connections_before ? 1 : failures + 1;
    const auto delay = backoff_delay(failures, options_.backoff_min_ms, options_.backoff_max_ms);
    spdlog::warn("{} of {} to {}: {}; next attempt in {} ms", what, stream_->key(), target.redacted(),
                 result.error().message(), delay.count());
    set_state(PushState::retrying);
    pause.expires_after(delay);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  pause_ = nullptr;
  set_state(PushState::stopped);
  const auto s = status();
  spdlog::info("{} of {} stopped: {} ({:.1f} MB sent over {} connection(s))", what, stream_->key(),
               stopping_ ? "its push rule was removed" : "the stream ended", double(s.bytes) / 1e6, s.connections);
}

asio::awaitable<Result<void>> PushTask::push_once(asio::any_io_executor executor, const RtmpUrl& target) {
  set_state(PushState::connecting, &target);
  auto client = std::make_shared<RtmpClient>(executor, rtmp::ClientRole::publish, target, options_.client);
  client_ = client;
  if (auto ok = co_await client->start(); !ok) {
    client->close();
    co_return std::unexpected(std::move(ok.error()));
  }
  {
    std::lock_guard lock(mutex_);
    ++status_.connections;
  }
  set_state(PushState::pushing, &target);
  spdlog::info("{} of {} to {}: publishing", status_.forward ? "forward" : "push", stream_->key(), target.redacted());

  if (stopping_) {
    client->close();
    co_return Result<void>();
  }
  auto subscription = stream_->subscribe(executor);
  subscription_ = subscription;
  // What the server says while we publish (a late refusal, the connection's end)
  // wakes the sending loop below through the subscription.
  auto server_error = std::make_shared<std::optional<Error>>();
  asio::co_spawn(
      executor,
      [client, subscription, server_error]() -> asio::awaitable<void> {
        *server_error = co_await client->watch_server();
        subscription->cancel();
      },
      asio::detached);

  std::vector<FramePtr> frames;
  std::vector<Buffer> pieces;
  uint64_t sent_before = 0;
  for (;;) {
    const ReadStatus read = co_await subscription->read(frames);
    if (read == ReadStatus::ended) {
      co_await client->finish(Clock::now() + std::chrono::seconds(1));
      co_return Result<void>();
    }
    if (read != ReadStatus::frames) {
      client->close();
      if (read == ReadStatus::too_slow)
        co_return fail(Errc::timeout, "{} takes the stream more slowly than it comes", target.node());
      if (*server_error) co_return std::unexpected(std::move(**server_error));
      co_return fail(Errc::closed, "the connection to {} ended", target.node());
    }
    pieces.clear();
    for (const auto& frame : frames) {
      const MediaPacket& p = frame->packet;
      if (p.kind != TrackKind::data && !flv::carries(p.codec)) continue;
      client->connection().write_media(p, pieces);
    }
    auto ok = co_await client->send(pieces, Clock::now() + options_.send_timeout);
    {
      std::lock_guard lock(mutex_);
      status_.bytes += client->bytes_sent() - sent_before;
    }
    sent_before = client->bytes_sent();
    if (!ok) {
      client->close();
      co_return std::unexpected(std::move(ok.error()));
    }
  }
}

}  // namespace relaycast::relay
