#pragma once
// One HTTP/1.1 connection: reads requests (Boost.Beast's parser, with limits on the
// head and a deadline against slowloris) and routes them. HTTP-FLV streams a live
// stream as one endless chunked response; everything else is a small reply.
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/connection_limiter.hpp"
#include "server/http_response.hpp"
#include "server/server_context.hpp"
#include "server/stream_path.hpp"
#include "server/watchdog.hpp"

namespace relaycast {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  HttpSession(ServerContext& server, boost::asio::ip::tcp::socket socket,
              std::unique_ptr<ConnectionLimiter::Ticket> ticket);
  void start();

private:
  boost::asio::awaitable<void> run();
  // Returns false when the connection must close after this request.
  boost::asio::awaitable<bool> handle(const Request& request);
  boost::asio::awaitable<void> serve_flv(const Request& request, const StreamPath& path);
  boost::asio::awaitable<void> serve_extension(const Request& request);
  boost::asio::awaitable<void> serve_hls(const Request& request, const StreamFilePath& file);
  // The play token and on_play of an HLS request: a refusal to send, or nothing.
  boost::asio::awaitable<std::optional<HttpResponse>> admit_hls(const Request& request, const StreamFilePath& file);
  // A recording's file or playlist, behind the play tokens of the stream it was made from.
  HttpResponse answer_vod(std::string_view target);
  boost::asio::awaitable<void> watch_for_close();
  boost::asio::awaitable<void> reply(const Request& request, HttpResponse response);
  void close(std::string_view why);

  ServerContext& server_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<ConnectionLimiter::Ticket> ticket_;
  const uint64_t id_;
  std::shared_ptr<SessionRegistry::Entry> client_;  // in the node's list of clients from start()
  boost::asio::ip::address peer_address_;
  std::string peer_;
  std::string address_;  // "127.0.0.1:40000"
  Watchdog watchdog_;
  boost::beast::flat_buffer buffer_;
  std::string close_reason_;
  bool closed_ = false;
  std::shared_ptr<class Subscription> subscription_;
};

}  // namespace relaycast
