#include "relay/edge_pull.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "format/flv.hpp"
#include "media/codec_summary.hpp"
#include "media/timestamp_guard.hpp"
#include "relay/backoff.hpp"

namespace relaycast::relay {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

bool stream_gone(const Error& e) {
  return e.code() == rtmp::StatusErrc::stream_not_found || e.code() == rtmp::StatusErrc::stream_ended;
}

}  // namespace

EdgePull::EdgePull(std::string key, const PullOptions& options, StreamRegistry& streams, StreamHook on_live,
                   std::function<void(const EdgePull*)> on_finished, std::optional<RtmpUrl> located)
    : key_(std::move(key)),
      options_(options),
      streams_(streams),
      on_live_(std::move(on_live)),
      on_finished_(std::move(on_finished)) {
  const size_t slash = key_.find('/');
  app_ = key_.substr(0, slash);
  name_ = slash == std::string::npos ? "" : key_.substr(slash + 1);
  if (located) origins_.push_back(*located);
  for (const auto& o : options_.origins)
    if (!located || o.node() != located->node()) origins_.push_back(o);
  touch();
}

void EdgePull::touch() { last_activity_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }

bool EdgePull::finished() const {
  std::lock_guard lock(mutex_);
  return state_ == State::finished;
}

void EdgePull::set_state(State state) {
  std::vector<std::shared_ptr<StreamWaiter>> to_wake;
  {
    std::lock_guard lock(mutex_);
    state_ = state;
    to_wake.swap(waiters_);
    for (auto& w : to_wake) w->registered = false;
  }
  wake_all(to_wake);
}

asio::awaitable<std::shared_ptr<Stream>> EdgePull::wait_live(asio::any_io_executor executor,
                                                             Clock::time_point deadline) {
  auto waiter = std::make_shared<StreamWaiter>(executor);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (state_ == State::live) co_return stream_;
      const bool give_up = state_ == State::finished || Clock::now() >= deadline;
      if (give_up) {
        std::erase(waiters_, waiter);
        co_return nullptr;
      }
      if (!waiter->registered) {
        waiter->registered = true;
        waiters_.push_back(waiter);
      }
    }
    if (!waiter->notified) {
      waiter->timer.expires_at(deadline);
      co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    waiter->notified = false;
  }
}

asio::awaitable<void> EdgePull::run(asio::any_io_executor executor) {
  auto self = shared_from_this();  // alive until the pull is over, whoever else lets go
  const auto& origins = origins_;
  size_t next = 0;
  size_t tried = 0;          // origins asked before the stream went live
  size_t gone = 0;           // origins in a row that said the stream is not there
  uint32_t failures = 0;     // attempts in a row that brought no media
  std::string reasons;
  std::string end_reason = "stopped";
  asio::steady_timer pause(executor);
  if (origins.empty()) {
    spdlog::warn("pull {}: no origin to ask: the registry knows none holding it and cluster.origins is empty", key_);
    end_reason = "no origin has it";
  }
  while (!stopping_ && !origins.empty()) {
    const RtmpUrl& origin = origins[next++ % origins.size()];
    bool got_media = false;
    auto result = co_await pull_once(executor, origin, got_media);
    if (client_) client_->close();
    client_.reset();
    if (stopping_) break;
    if (stream_ && stream_->ended()) {
      end_reason = "the local stream was taken over";
      break;
    }
    const std::string why = result ? std::string("the origin ended the stream") : result.error().message();
    if (!stream_) {
      spdlog::info("pull {}: {}: {}", key_, origin.node(), why);
      reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", origin.node(), why);
      if (++tried >= origins.size()) {
        spdlog::warn("pull {}: no origin has it: {}", key_, reasons);
        end_reason = "no origin has it";
        break;
      }
      continue;
    }
    gone = !result && stream_gone(result.error()) ? gone + 1 : 0;
    if (gone >= origins.size()) {
      end_reason = fmt::format("every origin says it is gone ({})", why);
      break;
    }
    failures = got_media ? 0 : failures + 1;
    if (failures >= options_.max_attempts) {
      end_reason = fmt::format("gave up after {} failed attempts in a row, the last: {}", failures, why);
      break;
    }
    // Straight to the next origin after one that worked: viewers are waiting.
    const auto delay = backoff_delay(failures, options_.backoff_min_ms, options_.backoff_max_ms);
    spdlog::warn("pull {}: lost {}: {}; trying {} in {} ms", key_, origin.node(), why,
                 origins[next % origins.size()].node(), delay.count());
    pause.expires_after(delay);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (stream_) {
    auto& c = stream_->counters();
    spdlog::info("pull {}: ended: {} ({} packets, {:.1f} MB, {} origin switch(es) with a new timeline)", key_,
                 end_reason, c.packets_in.load(), double(c.bytes_in.load()) / 1e6, splice_.rebases());
    streams_.unpublish(stream_);
  }
  set_state(State::finished);
  on_finished_(this);
}

asio::awaitable<Result<void>> EdgePull::pull_once(asio::any_io_executor executor, const RtmpUrl& origin,
                                                  bool& got_media) {
  const std::string query = options_.play_query ? options_.play_query(key_) : std::string();
  client_ = std::make_shared<RtmpClient>(executor, rtmp::ClientRole::play,
                                         origin.with_stream(app_, query.empty() ? name_ : name_ + "?" + query),
                                         options_.client);
  auto client = client_;
  if (auto ok = co_await client->start(); !ok) co_return ok;
  spdlog::info("pull {}: playing from {}", key_, origin.node());
  splice_.new_source(Clock::now());
  TimestampGuard unwrap(0);
  std::vector<MediaPacket> out;
  auto deadline = Clock::now() + options_.stall_timeout;
  for (;;) {
    auto message = co_await client->read_media(deadline);
    if (!message) {
      if (message.error().is(Errc::timeout))
        co_return fail(Errc::timeout, "{} sent no media for {} ms", origin.node(), options_.stall_timeout.count());
      co_return std::unexpected(std::move(message.error()));
    }
    auto packet = flv::body_to_packet(message->header.type, message->header.timestamp, message->payload);
    if (!packet) {
      if (packet.error().is(Errc::ignored) || packet.error().is(Errc::unsupported)) continue;
      co_return std::unexpected(std::move(packet.error()).context(fmt::format("media from {}", origin.node())));
    }
    const int64_t dts = unwrap.unwrap_ms(message->header.timestamp);
    packet->pts = dts + (packet->pts - packet->dts);
    packet->dts = dts;
    const auto now = Clock::now();
    out.clear();
    splice_.push(std::move(*packet), now, out);
    if (out.empty()) continue;
    deadline = now + options_.stall_timeout;
    got_media = true;
    for (auto& p : out) {
      if (!stream_) {
        if (auto ok = go_live(origin, executor); !ok) co_return ok;
      }
      if (p.config && !p.discontinuity) spdlog::info("pull {}: {} {}", key_, to_string(p.kind), describe_config(p));
      if (p.discontinuity) spdlog::info("pull {}: continuing from {} on a new timeline", key_, origin.node());
      stream_->push(std::move(p));
    }
    if (stream_->ended()) co_return Result<void>();
  }
}

Result<void> EdgePull::go_live(const RtmpUrl& origin, asio::any_io_executor executor) {
  auto stream = streams_.publish(key_, {"relay", origin.node()}, false);
  if (!stream) return std::unexpected(std::move(stream.error()));
  stream_ = std::move(*stream);
  if (options_.write_batch.count() > 0) stream_->enable_write_batching(executor, options_.write_batch);
  if (on_live_) on_live_(stream_, executor);
  spdlog::info("pull {}: live from {}", key_, origin.node());
  set_state(State::live);
  touch();
  asio::co_spawn(executor, watch_idle(executor), asio::detached);
  return {};
}

// Viewers are counted by the Stream; HLS players only make requests, which touch().
asio::awaitable<void> EdgePull::watch_idle(asio::any_io_executor executor) {
  auto self = shared_from_this();
  asio::steady_timer tick(executor);
  const auto period = std::clamp(options_.idle_timeout / 4, milliseconds(50), milliseconds(1000));
  while (!stopping_ && !finished()) {
    tick.expires_after(period);
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!stream_ || finished()) break;
    if (stream_->counters().viewers.load(std::memory_order_relaxed) > options_.internal_viewers) touch();
    const auto idle = Clock::now() - Clock::time_point(Clock::duration(last_activity_.load(std::memory_order_relaxed)));
    if (idle > options_.idle_timeout) {
      spdlog::info("pull {}: no viewers for {} ms: stopping", key_, options_.idle_timeout.count());
      stopping_ = true;
      if (client_) client_->close();
    }
  }
}

}  // namespace relaycast::relay
