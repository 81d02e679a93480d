#pragma once
// Small HTTP responses written as one gathered write: the head, then the body's
// shared buffers (a segment goes to every viewer without a copy). Handles HEAD,
// single byte ranges (RFC 9110 14) and CORS.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/buffer.hpp"
#include "server/watchdog.hpp"

namespace relaycast {

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string cache_control = "no-cache";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<Buffer> body;
  bool ranges = false;  // accept Range requests (static bytes: segments)

  static HttpResponse text(unsigned status, std::string_view body);
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Writes `response` for `request`; keep-alive follows the request. Throws on socket
// errors, like the other writes of a session.
boost::asio::awaitable<void> send_response(boost::asio::ip::tcp::socket& socket, Watchdog& watchdog,
                                           std::chrono::milliseconds timeout, const HttpRequest& request,
                                           const std::string& cors_origin, HttpResponse response);

}  // namespace relaycast
