#pragma once
// What an RtmpClient reads and writes through: a TCP socket for rtmp://, the same
// socket under TLS for rtmps://. Connecting stays on socket(); the reads and writes
// return awaitables that compose with a deadline timer (`||`) whichever is used.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/error.hpp"

namespace relaycast::relay {

// Completion token of the client side: an error is a value to look at (a timeout races
// every operation), not an exception.
inline constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

class ClientTransport {
public:
  using ReadResult = std::tuple<boost::system::error_code, size_t>;

  // `tls`: the client context for rtmps://; null: plain TCP.
  ClientTransport(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls);
  ~ClientTransport();

  bool tls() const { return tls_ != nullptr; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

  // TLS only, once connected: the client handshake, with `host` as SNI (unless it is
  // an IP address, which SNI does not carry) and as the name the certificate must
  // hold when the context verifies.
  boost::asio::awaitable<std::tuple<boost::system::error_code>> handshake(const std::string& host);
  // Why handshake() failed, for `node` (host:port): an untrusted certificate, one for
  // another name, or what TLS itself said.
  Error handshake_error(const boost::system::error_code& ec, const std::string& node, const std::string& host) const;

  boost::asio::awaitable<ReadResult> read_some(boost::asio::mutable_buffer buffer);
  boost::asio::awaitable<ReadResult> write(std::vector<boost::asio::const_buffer> buffers);
  // TLS: sends close_notify and waits for the server's (bound it with a timer).
  boost::asio::awaitable<std::tuple<boost::system::error_code>> shutdown();

  void close();

private:
  struct Tls;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace relaycast::relay
