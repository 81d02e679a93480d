#pragma once
// An RTMP client connection over TCP, or TLS for rtmps:// URLs: rtmp::ClientHandshake
// and rtmp::ClientConnection driven by a ClientTransport, every wait bounded by a
// deadline, every failure an Error that names the peer and what was being done. Used
// from one executor only.
#include <memory>
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/buffer.hpp"
#include "core/error.hpp"
#include "protocol/rtmp/client_connection.hpp"
#include "relay/client_transport.hpp"
#include "relay/rtmp_url.hpp"

namespace relaycast::relay {

struct RtmpClientOptions {
  uint32_t chunk_size = 60000;
  std::chrono::milliseconds connect_timeout{3000};
  rtmp::ChunkReaderLimits limits;
  // For rtmps:// URLs (make_client_tls_context); null: one that verifies against the
  // system's CA store is made for the connection.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class RtmpClient {
public:
  using Clock = std::chrono::steady_clock;

  RtmpClient(boost::asio::any_io_executor executor, rtmp::ClientRole role, RtmpUrl url, RtmpClientOptions options);

  // Resolves, connects, shakes hands (TLS first for rtmps://) and goes through connect, createStream and
  // play/publish until the server starts the stream, within the connect timeout.
  boost::asio::awaitable<Result<void>> start();

  // The next media message of a play (protocol replies are sent on the way), or why
  // there is none by `deadline`.
  boost::asio::awaitable<Result<rtmp::Message>> read_media(Clock::time_point deadline);

  // Publishing: reads what the server sends (acknowledgements, pings, a late refusal)
  // and queues the replies for the next send(); returns only with the reason the
  // connection is over. Run it beside the sends.
  boost::asio::awaitable<Error> watch_server();
  // Sends the queued protocol replies, then `media`, by `deadline`.
  boost::asio::awaitable<Result<void>> send(const std::vector<Buffer>& media, Clock::time_point deadline);

  // Says goodbye (deleteStream) if the connection is still up; best effort, bounded.
  boost::asio::awaitable<void> finish(Clock::time_point deadline);
  void close();

  rtmp::ClientConnection& connection() { return connection_; }
  const RtmpUrl& url() const { return url_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }

private:
  boost::asio::awaitable<Result<size_t>> read_some(Clock::time_point deadline, const char* doing);
  boost::asio::awaitable<Result<void>> write_output(Clock::time_point deadline, const char* doing);
  Error fail_io(const boost::system::error_code& ec, const char* doing) const;
  boost::asio::awaitable<Result<void>> tls_handshake(Clock::time_point deadline);

  ClientTransport transport_;
  boost::asio::steady_timer timer_;
  const RtmpUrl url_;
  const RtmpClientOptions options_;
  rtmp::ClientConnection connection_;
  size_t read_size_ = 16 * 1024;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  bool closed_ = false;
};

}  // namespace relaycast::relay
