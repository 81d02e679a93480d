// g++ 12 takes Asio's coroutine frame deallocation for a mismatched delete when it
// inlines enough of it: a known false positive (chriskohlhoff/asio#1391), not a bug here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "server/tls_terminator.hpp"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/log.hpp"

namespace relaycast {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

using TlsStream = ssl::stream<tcp::socket>;
constexpr size_t kCopyBuffer = 64 * 1024;

// Copies one direction until either side ends; the other direction is then cancelled.
template <class From, class To>
asio::awaitable<void> copy(From& from, To& to) {
  std::array<uint8_t, kCopyBuffer> buffer;
  for (;;) {
    boost::system::error_code ec;
    const size_t n = co_await from.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) co_return;
    co_await asio::async_write(to, asio::buffer(buffer.data(), n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsConfig& config) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(config.certificate, ec);
  if (ec) return fail(Errc::config, "tls.certificate {}: {}", config.certificate, ec.message());
  const auto& key = config.private_key.empty() ? config.certificate : config.private_key;
  context->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return fail(Errc::config, "tls.private_key {}: {}", key, ec.message());
  return context;
}

TlsTerminator::TlsTerminator(ServerContext& server, WorkerPool& workers, std::shared_ptr<ssl::context> tls,
                             std::string protocol, tcp::endpoint target)
    : server_(server),
      tls_(std::move(tls)),
      protocol_(protocol),
      target_(target),
      listener_(server, workers, std::move(protocol), [this](tcp::socket socket, auto ticket) {
        const auto executor = socket.get_executor();
        asio::co_spawn(executor, serve(std::move(socket), std::move(ticket)), asio::detached);
      }) {}

// `ticket` counts the client against the connection limits for as long as it stays.
asio::awaitable<void> TlsTerminator::serve(tcp::socket socket, std::unique_ptr<ConnectionLimiter::Ticket> ticket) {
  [[maybe_unused]] const auto held = std::move(ticket);
  boost::system::error_code ec;
  const auto client = socket.remote_endpoint(ec);
  const std::string who = fmt::format("{} {}", protocol_, describe(client));
  TlsStream tls(std::move(socket), *tls_);

  // A client that never finishes its handshake is dropped after the timeout.
  asio::steady_timer deadline(tls.get_executor());
  deadline.expires_after(std::chrono::milliseconds(server_.config.tls.handshake_timeout_ms));
  deadline.async_wait([&tls](boost::system::error_code e) {
    boost::system::error_code ignored;
    if (!e) tls.lowest_layer().close(ignored);
  });
  co_await tls.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
  if (ec) {
    spdlog::info("{}: TLS handshake failed: {}", who, ec.message());
    co_return;
  }

  tcp::socket plain(tls.get_executor());
  plain.open(target_.protocol(), ec);
  if (!ec) plain.bind(tcp::endpoint(target_.address(), 0), ec);
  const uint16_t local_port = ec ? 0 : plain.local_endpoint(ec).port();
  if (ec) {
    spdlog::error("{}: cannot open a loopback connection: {}", who, ec.message());
    co_return;
  }
  server_.forwarded.add(local_port, client);
  co_await plain.async_connect(target_, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    plain.set_option(tcp::no_delay(true), ec);
    co_await (copy(tls, plain) || copy(plain, tls));
    // A close_notify to the client, bounded: it may be gone.
    deadline.expires_after(std::chrono::seconds(2));
    deadline.async_wait([&tls](boost::system::error_code e) {
      boost::system::error_code ignored;
      if (!e) tls.lowest_layer().close(ignored);
    });
    co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
  } else {
    spdlog::error("{}: cannot reach the plain listener at {}: {}", who, describe(target_), ec.message());
  }
  server_.forwarded.remove(local_port);
}

}  // namespace relaycast
