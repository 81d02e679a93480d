#pragma once
// One RTMP connection: handshake, then either a publisher feeding a Stream or a
// player reading one. The protocol is in rtmp::ServerConnection; this is the glue to
// the socket, the stream registry and the policies.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "media/timestamp_guard.hpp"
#include "protocol/rtmp/server_connection.hpp"
#include "server/connection_limiter.hpp"
#include "server/server_context.hpp"
#include "server/stream_hooks.hpp"
#include "server/watchdog.hpp"
#include "stream/subscription.hpp"

namespace relaycast {

class RtmpSession : public std::enable_shared_from_this<RtmpSession> {
public:
  RtmpSession(ServerContext& server, boost::asio::ip::tcp::socket socket,
              std::unique_ptr<ConnectionLimiter::Ticket> ticket);
  ~RtmpSession();

  void start();

private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> handshake();
  boost::asio::awaitable<void> serve();
  boost::asio::awaitable<void> flush();
  boost::asio::awaitable<void> play(std::shared_ptr<Subscription> subscription);

  // Each returns false when the connection must end (the reason is already logged).
  boost::asio::awaitable<bool> publish(const rtmp::PublishRequest& request);
  boost::asio::awaitable<bool> admit(const rtmp::PlayRequest& request);
  bool check_publish(const rtmp::PublishRequest& request);
  bool refuse_publish(const std::string& key, std::string_view code, const std::string& why);
  bool refuse_play(const std::string& key, std::string_view code, const std::string& why);
  bool on_publish(const rtmp::PublishRequest& request);
  bool on_play(const rtmp::PlayRequest& request, const std::shared_ptr<Stream>& stream);
  bool on_media(rtmp::Message message);
  void redirect(const rtmp::ConnectRedirect& request);
  void stop_publishing(std::string_view why);
  void close(std::string_view why);

  ServerContext& server_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<ConnectionLimiter::Ticket> ticket_;
  const uint64_t id_;
  std::shared_ptr<SessionRegistry::Entry> client_;  // in the node's list of clients from start()
  std::string peer_;
  std::string address_;  // "127.0.0.1:40000"
  Watchdog watchdog_;
  rtmp::ServerConnection connection_;
  std::string close_reason_;
  bool closed_ = false;
  size_t read_size_ = 512;  // grows for connections that fill it (publishers)

  // Publishing.
  std::shared_ptr<Stream> stream_;
  TimestampGuard timestamps_;
  uint64_t unsupported_logged_ = 0;

  // Playing: once play() runs, it alone writes to the socket.
  std::shared_ptr<Subscription> subscription_;
  std::string play_key_;
  bool playing_ = false;
  std::chrono::steady_clock::time_point play_started_;

  // For on_unpublish / on_stop: the publish or play that hooks were told of.
  std::optional<HookClient> hooked_;
};

}  // namespace relaycast
