// g++ 12 takes Asio's coroutine frame deallocation for a mismatched delete when it
// inlines enough of it: a known false positive (chriskohlhoff/asio#1391), not a bug here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "relay/rtmp_client.hpp"

#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/log.hpp"
#include "protocol/rtmp/handshake.hpp"
#include "relay/client_tls.hpp"

namespace relaycast::relay {
namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxReadSize = 256 * 1024;

void fill_random(std::span<uint8_t> out) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (auto& b : out) b = uint8_t(rng());
}

std::shared_ptr<asio::ssl::context> tls_context(const RtmpUrl& url, const RtmpClientOptions& o) {
  if (!url.tls) return nullptr;
  if (o.tls) return o.tls;
  auto made = make_client_tls_context({});
  if (made) return *made;
  // Without a usable CA store nothing can be verified: the handshake then fails with
  // an untrusted certificate, which says more than a missing context would.
  spdlog::warn("{}: {}", url.node(), made.error().message());
  return std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
}

rtmp::ClientConnectionConfig connection_config(const RtmpUrl& url, const RtmpClientOptions& o) {
  return {.app = url.app, .tc_url = url.tc_url(), .stream = url.stream, .chunk_size = o.chunk_size, .limits = o.limits};
}

}  // namespace

RtmpClient::RtmpClient(asio::any_io_executor executor, rtmp::ClientRole role, RtmpUrl url, RtmpClientOptions options)
    : transport_(executor, tls_context(url, options)),
      timer_(executor),
      url_(std::move(url)),
      options_(options),
      connection_(role, connection_config(url_, options_)) {}

void RtmpClient::close() {
  closed_ = true;
  transport_.close();
  timer_.cancel();
}

Error RtmpClient::fail_io(const boost::system::error_code& ec, const char* doing) const {
  // A TLS server that drops the TCP connection without close_notify: stream_truncated.
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated)
    return Error(Errc::closed, fmt::format("{} closed the connection {}", url_.node(), doing));
  if (closed_ && ec == asio::error::operation_aborted)
    return Error(Errc::closed, fmt::format("connection to {} closed by us {}", url_.node(), doing));
  return Error(ec, fmt::format("{} {}: {}", url_.node(), doing, ec.message()));
}

asio::awaitable<Result<size_t>> RtmpClient::read_some(Clock::time_point deadline, const char* doing) {
  const auto space = connection_.prepare(read_size_);
  auto buffer = asio::buffer(space.data(), space.size());
  boost::system::error_code ec;
  size_t n = 0;
  if (deadline == Clock::time_point::max()) {
    std::tie(ec, n) = co_await transport_.read_some(buffer);
  } else {
    timer_.expires_at(deadline);
    auto which = co_await (transport_.read_some(buffer) || timer_.async_wait(use_tuple));
    if (which.index() == 1) {
      close();
      co_return fail(Errc::timeout, "{} sent nothing in time {}", url_.node(), doing);
    }
    std::tie(ec, n) = std::get<0>(which);
  }
  if (ec) co_return std::unexpected(fail_io(ec, doing));
  connection_.commit(n);
  bytes_received_ += n;
  if (n == read_size_ && read_size_ < kMaxReadSize) read_size_ *= 2;
  co_return n;
}

asio::awaitable<Result<void>> RtmpClient::write_output(Clock::time_point deadline, const char* doing) {
  if (connection_.output().empty()) co_return Result<void>();
  std::vector<uint8_t> bytes;
  bytes.swap(connection_.output());
  // Named, not a braced temporary inside co_await: g++ 12 cannot compile that
  // ("array used as initializer").
  std::vector<asio::const_buffer> pieces{asio::buffer(bytes)};
  timer_.expires_at(deadline);
  auto which = co_await (transport_.write(std::move(pieces)) || timer_.async_wait(use_tuple));
  if (which.index() == 1) {
    close();
    co_return fail(Errc::timeout, "{} took no bytes in time {}", url_.node(), doing);
  }
  auto [ec, n] = std::get<0>(which);
  if (ec) co_return std::unexpected(fail_io(ec, doing));
  bytes_sent_ += n;
  co_return Result<void>();
}

// RFC 8446 (or 5246) under RTMP: as for HTTPS, the certificate is checked during the
// handshake (client_tls.hpp), and a refusal says which check failed.
asio::awaitable<Result<void>> RtmpClient::tls_handshake(Clock::time_point deadline) {
  timer_.expires_at(deadline);
  auto which = co_await (transport_.handshake(url_.host) || timer_.async_wait(use_tuple));
  if (which.index() == 1) {
    close();
    co_return fail(Errc::timeout, "{}: TLS handshake timed out", url_.node());
  }
  if (auto [ec] = std::get<0>(which); ec) {
    auto error = transport_.handshake_error(ec, url_.node(), url_.host);
    close();
    co_return std::unexpected(std::move(error));
  }
  co_return Result<void>();
}

// RTMP 5.2 (the plain handshake, which nginx-rtmp, SRS and relaycast accept), then 7.2.
asio::awaitable<Result<void>> RtmpClient::start() {
  const auto deadline = Clock::now() + options_.connect_timeout;
  tcp::resolver resolver(transport_.socket().get_executor());
  timer_.expires_at(deadline);
  auto resolved = co_await (resolver.async_resolve(url_.host, std::to_string(url_.port), use_tuple) ||
                            timer_.async_wait(use_tuple));
  if (resolved.index() == 1) co_return fail(Errc::timeout, "{}: name lookup timed out", url_.node());
  auto [resolve_error, endpoints] = std::get<0>(resolved);
  if (resolve_error) co_return fail(Errc::not_found, "{}: name lookup failed: {}", url_.node(), resolve_error.message());

  timer_.expires_at(deadline);
  auto connected = co_await (asio::async_connect(transport_.socket(), endpoints, use_tuple) || timer_.async_wait(use_tuple));
  if (connected.index() == 1) {
    close();
    co_return fail(Errc::timeout, "{}: TCP connect timed out", url_.node());
  }
  if (auto ec = std::get<0>(std::get<0>(connected)); ec) co_return std::unexpected(fail_io(ec, "on TCP connect"));
  boost::system::error_code ignored;
  transport_.socket().set_option(tcp::no_delay(true), ignored);
  if (transport_.tls())
    if (auto ok = co_await tls_handshake(deadline); !ok) co_return ok;

  rtmp::ClientHandshake handshake(rtmp::ClientHandshake::Mode::plain, 0, fill_random);
  std::vector<uint8_t> received(4096);
  while (!handshake.done()) {
    if (auto out = handshake.take_output(); !out.empty()) {
      connection_.output().insert(connection_.output().end(), out.begin(), out.end());
      if (auto ok = co_await write_output(deadline, "in the handshake"); !ok) co_return ok;
    }
    timer_.expires_at(deadline);
    auto which = co_await (transport_.read_some(asio::buffer(received)) || timer_.async_wait(use_tuple));
    if (which.index() == 1) {
      close();
      co_return fail(Errc::timeout, "{}: no handshake answer in time", url_.node());
    }
    auto [ec, n] = std::get<0>(which);
    if (ec) co_return std::unexpected(fail_io(ec, "in the handshake"));
    bytes_received_ += n;
    auto used = handshake.feed(std::span(received.data(), n));
    if (!used) co_return std::unexpected(std::move(used.error()).context(fmt::format("{}: handshake", url_.node())));
    if (*used < n) connection_.feed(std::span(received.data() + *used, n - *used));
  }
  // C2 (queued when S1 came in) goes out with connect.
  if (auto out = handshake.take_output(); !out.empty())
    connection_.output().insert(connection_.output().begin(), out.begin(), out.end());

  connection_.start();
  for (;;) {
    auto event = connection_.next();
    if (!event) co_return std::unexpected(std::move(event.error()).context(url_.node()));
    // What the answers asked for (createStream, play, acknowledgements) goes out
    // before we wait for more.
    if (auto ok = co_await write_output(deadline, "sending commands"); !ok) co_return ok;
    if (*event) {
      if (std::holds_alternative<rtmp::StreamStarted>(**event)) co_return Result<void>();
      continue;
    }
    auto n = co_await read_some(deadline, "before the stream started");
    if (!n) co_return std::unexpected(std::move(n.error()));
  }
}

asio::awaitable<Result<rtmp::Message>> RtmpClient::read_media(Clock::time_point deadline) {
  for (;;) {
    auto event = connection_.next();
    if (!event) co_return std::unexpected(std::move(event.error()).context(url_.node()));
    if (*event) {
      if (auto* media = std::get_if<rtmp::MediaMessage>(&**event)) {
        // Acknowledgements and pings answered on the way; small, and the socket is ours.
        if (auto ok = co_await write_output(Clock::now() + options_.connect_timeout, "answering the server"); !ok)
          co_return std::unexpected(std::move(ok.error()));
        co_return std::move(media->message);
      }
      continue;
    }
    if (auto ok = co_await write_output(Clock::now() + options_.connect_timeout, "answering the server"); !ok)
      co_return std::unexpected(std::move(ok.error()));
    auto n = co_await read_some(deadline, "while playing");
    if (!n) co_return std::unexpected(std::move(n.error()));
  }
}

asio::awaitable<Error> RtmpClient::watch_server() {
  for (;;) {
    auto event = connection_.next();
    if (!event) co_return std::move(event.error()).context(url_.node());
    if (*event) continue;
    auto n = co_await read_some(Clock::time_point::max(), "while publishing");
    if (!n) co_return std::move(n.error());
  }
}

asio::awaitable<Result<void>> RtmpClient::send(const std::vector<Buffer>& media, Clock::time_point deadline) {
  std::vector<asio::const_buffer> pieces;
  pieces.reserve(media.size() + 1);
  std::vector<uint8_t> replies;
  replies.swap(connection_.output());
  if (!replies.empty()) pieces.emplace_back(replies.data(), replies.size());
  for (const auto& b : media) pieces.emplace_back(b.data(), b.size());
  timer_.expires_at(deadline);
  auto which = co_await (transport_.write(std::move(pieces)) || timer_.async_wait(use_tuple));
  if (which.index() == 1) {
    close();
    co_return fail(Errc::timeout, "{} took no media in time", url_.node());
  }
  auto [ec, n] = std::get<0>(which);
  if (ec) co_return std::unexpected(fail_io(ec, "sending media"));
  bytes_sent_ += n;
  co_return Result<void>();
}

asio::awaitable<void> RtmpClient::finish(Clock::time_point deadline) {
  if (!closed_ && transport_.socket().is_open()) {
    connection_.stop();
    auto said = co_await write_output(deadline, "saying goodbye");
    // TLS: close_notify, so that the server sees an orderly end, not a truncation.
    if (said && transport_.tls()) {
      timer_.expires_at(deadline);
      co_await (transport_.shutdown() || timer_.async_wait(use_tuple));
    }
  }
  close();
}

}  // namespace relaycast::relay
