#pragma once
// One webhook call: an HTTP/1.1 POST of a JSON body with Boost.Beast, on the caller's
// executor (the session's worker), bounded by a deadline for connecting, sending and
// reading the answer. Plain http:// only (webhooks.* URLs are checked at start).
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"

namespace relaycast::api {

struct WebhookUrl {
  std::string text;  // as configured, for messages
  std::string host, port, target;
};
// "http://host[:port][/path[?query]]" -> its parts (port 80, target "/" by default).
Result<WebhookUrl> parse_webhook_url(std::string_view url);

struct WebhookReply {
  unsigned status = 0;
  std::string reason;  // the status line's phrase
  std::string body;    // at most 64 KiB
};

// A reply of any status is a value; the error is a failure to get one
// (Errc::timeout, Errc::closed for connection failures).
boost::asio::awaitable<Result<WebhookReply>> post_json(boost::asio::any_io_executor executor, const WebhookUrl& url,
                                                       std::string body, std::chrono::milliseconds timeout);

}  // namespace relaycast::api
