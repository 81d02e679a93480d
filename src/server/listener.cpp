#include "server/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"

namespace relaycast {
namespace asio = boost::asio;

Listener::Listener(ServerContext& server, WorkerPool& workers, std::string protocol, StartSession start_session)
    : server_(server),
      workers_(workers),
      protocol_(std::move(protocol)),
      start_session_(std::move(start_session)),
      acceptor_(workers.main()) {}

Result<void> Listener::open(const std::string& address, uint16_t port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return fail(Errc::config, "{} is not an IP address to listen on (--bind)", address);
  const asio::ip::tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Errc::config, "cannot listen for {} on {}: {}{}", protocol_, describe(endpoint), ec.message(),
                ec == asio::error::address_in_use ? " (is another server running there? pick another port)" : "");
  return {};
}

uint16_t Listener::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void Listener::start() { asio::co_spawn(workers_.main(), accept_loop(), asio::detached); }

void Listener::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Listener::accept_loop() {
  asio::steady_timer backoff(workers_.main());
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    auto socket = co_await acceptor_.async_accept(workers_.next(), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) break;
    if (ec) {
      // Out of file descriptors, mostly: wait a little instead of spinning.
      spdlog::error("{} listener: accept failed: {}", protocol_, ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const auto remote = socket.remote_endpoint(ec);
    if (ec) continue;  // gone already
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    // A client our TLS terminator forwards was admitted (and is counted) there.
    if (server_.forwarded.client_of(remote) != remote) {
      start_session_(std::move(socket), nullptr);
      continue;
    }
    auto ticket = server_.limiter->admit(remote.address().to_string());
    if (!ticket) {
      spdlog::warn("{}: refused connection from {}: {}", protocol_, describe(remote), ticket.error().message());
      continue;  // the socket closes as it goes out of scope
    }
    start_session_(std::move(socket), std::move(*ticket));
  }
}

}  // namespace relaycast
