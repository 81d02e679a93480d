#pragma once
// A TCP listener: accepts on the main worker, admits through the connection limiter,
// and hands each connection to the next worker as a new session.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/error.hpp"
#include "server/server_context.hpp"
#include "server/worker_pool.hpp"

namespace relaycast {

class Listener {
public:
  using StartSession =
      std::function<void(boost::asio::ip::tcp::socket, std::unique_ptr<ConnectionLimiter::Ticket>)>;

  Listener(ServerContext& server, WorkerPool& workers, std::string protocol, StartSession start_session);

  // Binds and listens; the error says which address, for what, and what to do.
  Result<void> open(const std::string& address, uint16_t port);
  void start();
  void stop();
  uint16_t port() const;

private:
  boost::asio::awaitable<void> accept_loop();

  ServerContext& server_;
  WorkerPool& workers_;
  std::string protocol_;
  StartSession start_session_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace relaycast
