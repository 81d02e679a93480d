#pragma once
// RTMPS and HTTPS: a TLS listener that decrypts each client and forwards it over
// loopback to the server's own plain RTMP or HTTP listener, so TLS clients get
// exactly the same service (publish, play, HLS, API) and the plain paths keep their
// zero-copy writes. The forwarded connection carries the client's real address
// (ForwardedPeers) for limits, logs and the API's loopback rule. Costs one more copy
// per byte for TLS clients only, which TLS encryption dwarfs anyway.
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "core/config.hpp"
#include "core/error.hpp"
#include "server/listener.hpp"
#include "server/server_context.hpp"
#include "server/worker_pool.hpp"

namespace relaycast {

// The server side TLS context from [tls]; errors name the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsConfig& config);

class TlsTerminator {
public:
  // `protocol` names it in logs ("RTMPS"); `target` is the plain listener.
  TlsTerminator(ServerContext& server, WorkerPool& workers, std::shared_ptr<boost::asio::ssl::context> tls,
                std::string protocol, boost::asio::ip::tcp::endpoint target);

  // Accepting and admitting (connection limits) is a Listener's job, as for the plain
  // listeners; each admitted client is served here.
  Result<void> open(const std::string& address, uint16_t port) { return listener_.open(address, port); }
  void start() { listener_.start(); }
  void stop() { listener_.stop(); }
  uint16_t port() const { return listener_.port(); }

private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket,
                                     std::unique_ptr<ConnectionLimiter::Ticket> ticket);

  ServerContext& server_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::string protocol_;
  boost::asio::ip::tcp::endpoint target_;
  Listener listener_;
};

}  // namespace relaycast
