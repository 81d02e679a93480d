#include "server/rtmp_session.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/log.hpp"
#include "format/flv.hpp"
#include "media/codec_summary.hpp"
#include "protocol/rtmp/handshake.hpp"
#include "server/admission.hpp"
#include "server/frame_pump.hpp"
#include "server/stream_path.hpp"

namespace relaycast {
namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr size_t kMaxReadSize = 64 * 1024;

namespace {

rtmp::ServerConnectionConfig connection_config(const Config& config) {
  const RtmpConfig& c = config.rtmp;
  return {.chunk_size = c.chunk_size,
          .window_ack_size = c.window_ack_size,
          .limits = {.max_message_size = c.max_message_size, .max_chunk_size = c.max_chunk_size},
          .redirect_app = config.cluster.balance_app};
}

// The handshake's random bytes need to be unpredictable enough to not be constant,
// not secret: nothing is keyed on them.
void fill_random(std::span<uint8_t> out) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (auto& b : out) b = uint8_t(rng());
}

std::string seconds_since(std::chrono::steady_clock::time_point t) {
  return fmt::format("{:.1f} s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
}

}  // namespace

RtmpSession::RtmpSession(ServerContext& server, asio::ip::tcp::socket socket,
                         std::unique_ptr<ConnectionLimiter::Ticket> ticket)
    : server_(server),
      socket_(std::move(socket)),
      ticket_(std::move(ticket)),
      id_(server.next_session_id++),
      watchdog_(socket_.get_executor(),
                [this](const std::string& what) {
                  // Publishers and players get their line when they stop; others get this one.
                  if (!stream_ && !subscription_) spdlog::info("{}: closing: timed out {}", peer_, what);
                  close(fmt::format("timed out {}", what));
                }),
      connection_(connection_config(server.config)),
      timestamps_(server.config.stream.max_timestamp_backstep_ms) {
  address_ = describe(client_endpoint(server_, socket_));
  peer_ = fmt::format("rtmp #{} {}", id_, address_);
}

RtmpSession::~RtmpSession() = default;

void RtmpSession::start() {
  auto self = shared_from_this();
  client_ = server_.sessions.add(id_, "rtmp", describe(client_endpoint(server_, socket_)),
                                 [weak = weak_from_this(), executor = socket_.get_executor()](std::string why) {
                                   asio::post(executor, [weak, why = std::move(why)] {
                                     if (auto session = weak.lock()) session->close(why);
                                   });
                                 });
  asio::co_spawn(socket_.get_executor(), [self]() { return self->run(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self]() { return self->watchdog_.run(); }, asio::detached);
}

void RtmpSession::close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::string(why);
  boost::system::error_code ec;
  socket_.close(ec);
}

asio::awaitable<void> RtmpSession::run() {
  spdlog::debug("{}: connected", peer_);
  try {
    co_await handshake();
    co_await serve();
  } catch (const boost::system::system_error& e) {
    if (close_reason_.empty())
      close_reason_ = e.code() == asio::error::eof ? "the client closed the connection" : e.code().message();
  }
  if (close_reason_.empty()) close_reason_ = "the client closed the connection";
  if (stream_) stop_publishing(close_reason_);
  if (subscription_) {
    subscription_->cancel();
    spdlog::info("{}: stopped playing {}: {} ({} frames dropped)", peer_, play_key_, close_reason_,
                 subscription_->frames_dropped());
    if (hooked_ && server_.hooks->wants(HookEvent::stop))
      server_.hooks->notify(HookEvent::stop, std::move(*hooked_),
                            {close_reason_, std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                                          play_started_).count()},
                            socket_.get_executor());
  } else if (!playing_) {
    spdlog::debug("{}: closed: {}", peer_, close_reason_);
  }
  watchdog_.stop();
  close(close_reason_);
}

// RTMP 5.2: C0 C1 -> S0 S1 S2 -> C2. Bytes after C2 already belong to the chunk stream.
asio::awaitable<void> RtmpSession::handshake() {
  rtmp::ServerHandshake hs(uint32_t(std::time(nullptr)), fill_random);
  std::array<uint8_t, 4096> buf;
  watchdog_.arm(milliseconds(server_.config.rtmp.handshake_timeout_ms), "in the handshake");
  while (!hs.done()) {
    const size_t n = co_await socket_.async_read_some(asio::buffer(buf), asio::use_awaitable);
    auto used = hs.feed(std::span(buf.data(), n));
    if (!used) {
      spdlog::warn("{}: handshake failed: {}", peer_, used.error().message());
      close("handshake failed: " + used.error().message());
      co_return;
    }
    if (auto out = hs.take_output(); !out.empty())
      co_await asio::async_write(socket_, asio::buffer(out), asio::use_awaitable);
    if (*used < n) connection_.feed(std::span(buf.data() + *used, n - *used));
  }
  watchdog_.disarm();
}

asio::awaitable<void> RtmpSession::serve() {
  const milliseconds idle(server_.config.rtmp.idle_timeout_ms);
  while (!closed_) {
    while (!closed_) {
      auto event = connection_.next();
      if (!event) {
        spdlog::warn("{}: closing: {}", peer_, event.error().message());
        close("protocol error: " + event.error().message());
        co_return;
      }
      if (!*event) break;
      bool keep = true;
      bool start_play = false;
      std::optional<rtmp::PlayRequest> play_request;
      std::optional<rtmp::PublishRequest> publish_request;
      std::visit(
          [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, rtmp::PublishRequest>) {
              publish_request = std::move(e);
            } else if constexpr (std::is_same_v<T, rtmp::PlayRequest>) {
              play_request = std::move(e);
            } else if constexpr (std::is_same_v<T, rtmp::MediaMessage>) {
              keep = on_media(std::move(e.message));
            } else if constexpr (std::is_same_v<T, rtmp::StopRequest>) {
              if (stream_) stop_publishing("the client unpublished");
            } else if constexpr (std::is_same_v<T, rtmp::ConnectRedirect>) {
              redirect(e);
              keep = false;
            }
          },
          **event);
      if (publish_request) keep = co_await publish(*publish_request);
      if (play_request) {
        keep = co_await admit(*play_request);
        if (keep) {
          // On an edge this may wait for the stream to be pulled from an origin.
          auto stream = co_await server_.relay.find_or_pull(play_request->key(), socket_.get_executor());
          keep = !closed_ && on_play(*play_request, stream);
        }
        start_play = keep;
      }
      if (!playing_) co_await flush();
      if (!keep) {
        close(close_reason_.empty() ? "refused" : close_reason_);
        co_return;
      }
      if (start_play) {
        playing_ = true;
        watchdog_.disarm();
        auto self = shared_from_this();
        asio::co_spawn(socket_.get_executor(), [self]() { return self->play(self->subscription_); }, asio::detached);
      }
    }
    // Answers to what needed no decision (connect, pings, acknowledgements).
    if (!playing_) co_await flush();
    // A player only sends acknowledgements now and then: its deadline is on sending.
    if (!playing_) watchdog_.arm(idle, "waiting for the client");
    const auto space = connection_.prepare(read_size_);
    const size_t n = co_await socket_.async_read_some(asio::buffer(space.data(), space.size()), asio::use_awaitable);
    connection_.commit(n);
    client_->bytes_in.fetch_add(n, std::memory_order_relaxed);
    // Players send a few bytes now and then, publishers a lot: grow the read buffer
    // only for connections that fill it, so a viewer costs little memory.
    if (n == read_size_ && read_size_ < kMaxReadSize) read_size_ *= 2;
  }
}

asio::awaitable<void> RtmpSession::flush() {
  auto& out = connection_.output();
  if (out.empty()) co_return;
  std::vector<uint8_t> bytes;
  bytes.swap(out);
  watchdog_.arm(milliseconds(server_.config.rtmp.send_timeout_ms), "sending to the client");
  co_await asio::async_write(socket_, asio::buffer(bytes), asio::use_awaitable);
  watchdog_.disarm();
}

bool RtmpSession::refuse_publish(const std::string& key, std::string_view code, const std::string& why) {
  spdlog::warn("{}: refused publish of {}: {}", peer_, key, why);
  connection_.reject_publish(code, why);
  close_reason_ = "publish refused: " + why;
  return false;
}

bool RtmpSession::refuse_play(const std::string& key, std::string_view code, const std::string& why) {
  spdlog::info("{}: refused play of {}: {}", peer_, key, why);
  connection_.reject_play(code, why);
  close_reason_ = "play refused: " + why;
  return false;
}

// A player of the balancer app is sent to the least-loaded node (the cluster layer
// decides), then the connection ends: the player reconnects there.
void RtmpSession::redirect(const rtmp::ConnectRedirect& request) {
  const std::string& balance_app = server_.config.cluster.balance_app;
  Result<std::string> target = request.app.empty()
      ? fail(Errc::refused, "connect to {}/APP (rtmp://HOST/{}/live/NAME) to be sent to a node serving APP",
             balance_app, balance_app)
      : server_.play_redirector ? server_.play_redirector->rtmp_redirect(request.app)
                                : fail(Errc::refused, "this node has no registry to choose a node from");
  if (!target) {
    spdlog::info("{}: refused connect to {}/{}: {}", peer_, balance_app, request.app, target.error().message());
    connection_.redirect_connect(request, "", target.error().message());
    close_reason_ = "refused: " + target.error().message();
    return;
  }
  spdlog::info("{}: redirected to {} (balancer app {})", peer_, *target, balance_app);
  connection_.redirect_connect(request, *target, "Redirected to the least-loaded node.");
  close_reason_ = "redirected to " + *target;
}

// What the server decides alone, before anyone is asked.
bool RtmpSession::check_publish(const rtmp::PublishRequest& request) {
  const std::string key = request.key();
  auto refuse = [&](Refusal reason, std::string_view code, const std::string& why) {
    server_.refusals.count(reason);
    return refuse_publish(key, code, why);
  };
  if (stream_ || subscription_)
    return refuse(Refusal::stream_busy, "NetStream.Publish.BadConnection", "this connection already has a stream");
  if (!valid_stream_segment(request.app) || !valid_stream_segment(request.name))
    return refuse(Refusal::bad_stream_name, "NetStream.Publish.BadName",
                  fmt::format("\"{}\" is not a valid stream name (letters, digits, _ - .)", key));
  if (auto allowed = server_.publish_keys.check(key, request.query); !allowed)
    return refuse(Refusal::stream_key, "NetStream.Publish.Unauthorized", allowed.error().message());
  if (auto allowed = server_.relay.may_publish(key); !allowed)
    return refuse(Refusal::edge_publish, "NetStream.Publish.Rejected", allowed.error().message());
  return true;
}

asio::awaitable<bool> RtmpSession::publish(const rtmp::PublishRequest& request) {
  if (!check_publish(request)) co_return false;
  if (!admission_configured(server_)) co_return on_publish(request);
  auto client = hook_client(id_, "rtmp", address_, request.app, request.name, request.query);
  const auto verdict = co_await admit_publish(server_, client, socket_.get_executor());
  if (closed_) co_return false;
  if (!verdict) co_return refuse_publish(request.key(), "NetStream.Publish.BadName", verdict.error().message);
  if (!on_publish(request)) co_return false;
  if (server_.hooks && server_.hooks->wants(HookEvent::unpublish)) hooked_ = std::move(client);
  co_return true;
}

// The play token and on_play, before the stream is looked up (an edge pulls nothing
// for a viewer that may not watch).
asio::awaitable<bool> RtmpSession::admit(const rtmp::PlayRequest& request) {
  if (!admission_configured(server_)) co_return true;
  const auto client = hook_client(id_, "rtmp", address_, request.app, request.name, request.query);
  const auto verdict = co_await admit_play(server_, client, socket_.get_executor());
  if (closed_) co_return false;
  if (!verdict) co_return refuse_play(request.key(), "NetStream.Play.Failed", verdict.error().message);
  if (server_.hooks && server_.hooks->wants(HookEvent::stop)) hooked_ = client;
  co_return true;
}

bool RtmpSession::on_publish(const rtmp::PublishRequest& request) {
  const std::string key = request.key();
  auto refuse = [&](Refusal reason, std::string_view code, const std::string& why) {
    server_.refusals.count(reason);
    return refuse_publish(key, code, why);
  };
  auto stream = server_.streams.publish(key, {"rtmp", peer_}, server_.config.stream.takeover);
  if (!stream)
    return refuse(stream.error().is(Errc::too_large) ? Refusal::max_streams : Refusal::stream_busy,
                  "NetStream.Publish.BadName", stream.error().message());
  stream_ = std::move(*stream);
  if (const auto batch = server_.config.stream.write_batch_ms; batch > 0)
    stream_->enable_write_batching(socket_.get_executor(), milliseconds(batch));
  server_.attach_outputs(stream_, socket_.get_executor());
  server_.relay.on_publish(stream_, request.query, socket_.get_executor());
  connection_.accept_publish(request);
  client_->set_role(ClientRole::publisher, key);
  spdlog::info("{}: publishing {}", peer_, key);
  return true;
}

bool RtmpSession::on_media(rtmp::Message message) {
  if (!stream_) return true;  // media before publish or after unpublish carries nothing
  auto packet = flv::body_to_packet(message.header.type, message.header.timestamp, message.payload);
  if (!packet) {
    if (packet.error().is(Errc::ignored)) return true;
    if (packet.error().is(Errc::unsupported)) {
      // Reported once per connection: an encoder sending an unsupported codec sends
      // it in every message.
      if (unsupported_logged_++ == 0) spdlog::warn("{}: {}: dropping: {}", peer_, stream_->key(), packet.error().message());
      return true;
    }
    close_reason_ = "bad media message: " + packet.error().message();
    spdlog::warn("{}: {}: closing: {}", peer_, stream_->key(), close_reason_);
    return false;
  }
  const int64_t dts = timestamps_.unwrap_ms(message.header.timestamp);
  packet->pts = dts + (packet->pts - packet->dts);
  packet->dts = dts;
  if (auto ok = timestamps_.check(*packet); !ok) {
    close_reason_ = "bad timestamps: " + ok.error().message();
    spdlog::warn("{}: {}: closing: {}", peer_, stream_->key(), close_reason_);
    return false;
  }
  if (packet->config)
    spdlog::info("{}: {}: {} {}", peer_, stream_->key(), to_string(packet->kind), describe_config(*packet));
  stream_->push(std::move(*packet));
  if (stream_->ended()) {
    close_reason_ = "another publisher took the stream over";
    return false;
  }
  return true;
}

void RtmpSession::stop_publishing(std::string_view why) {
  auto& c = stream_->counters();
  spdlog::info("{}: stopped publishing {} after {} ({} packets, {:.1f} MB): {}", peer_, stream_->key(),
               seconds_since(stream_->started()), c.packets_in.load(), double(c.bytes_in.load()) / 1e6, why);
  const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - stream_->started()).count();
  server_.streams.unpublish(stream_);
  stream_.reset();
  if (hooked_) server_.hooks->notify(HookEvent::unpublish, *std::exchange(hooked_, std::nullopt),
                                     {std::string(why), duration}, socket_.get_executor());
}

bool RtmpSession::on_play(const rtmp::PlayRequest& request, const std::shared_ptr<Stream>& stream) {
  const std::string key = request.key();
  auto refuse = [&](std::string_view code, const std::string& why) { return refuse_play(key, code, why); };
  if (stream_ || subscription_) return refuse("NetStream.Play.Failed", "this connection already has a stream");
  if (!stream) {
    server_.refusals.count(Refusal::stream_not_found);
    return refuse("NetStream.Play.StreamNotFound", key + " is not being published");
  }
  connection_.accept_play(request);
  subscription_ = stream->subscribe(socket_.get_executor());
  play_key_ = key;
  play_started_ = std::chrono::steady_clock::now();
  client_->set_role(ClientRole::viewer, key, "rtmp");
  spdlog::info("{}: playing {}", peer_, key);
  return true;
}

asio::awaitable<void> RtmpSession::play(std::shared_ptr<Subscription> subscription) {
  PumpStats& stats = client_->pump;
  try {
    const auto status = co_await pump_frames(
        *subscription, socket_, watchdog_,
        {milliseconds(server_.config.rtmp.send_timeout_ms), server_.config.stream.viewer_send_buffer_bytes}, &Frame::rtmp,
        [this](std::vector<uint8_t>& prefix) {
          // Protocol replies the read loop queued since the last write go first.
          prefix.swap(connection_.output());
        },
        stats);
    if (status == ReadStatus::ended) {
      // Set first: a player that reads the end closes at once, and our own writes or
      // shutdown may then fail with a reset that is no error of this viewer.
      close_reason_ = "the publisher stopped";
      connection_.end_play(play_key_);
      co_await asio::async_write(socket_, asio::buffer(connection_.output()), asio::use_awaitable);
      // Let the client read the end and close first; the read loop sees it go.
      boost::system::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      watchdog_.arm(milliseconds(2000), "waiting for the client to close");
    } else if (status == ReadStatus::too_slow) {
      close(fmt::format("too slow: fell behind the stream more than {} times in a minute",
                        subscription->stream()->limits().max_skips_per_minute));
    }
  } catch (const boost::system::system_error& e) {
    close(close_reason_.empty() ? e.code().message() : close_reason_);
  }
}

}  // namespace relaycast
