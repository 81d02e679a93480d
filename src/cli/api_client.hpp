#pragma once
// The CLI's HTTP client for the server's API: one synchronous Boost.Beast request per
// call, with a deadline. Errors name the cause as an operator would want to read it:
// "server not reachable at http://127.0.0.1:8080: connection refused".
#include <optional>
#include <string>

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace relaycast::cli {

struct ApiTarget {
  std::string server = "http://127.0.0.1:8080";  // http://host[:port][/prefix]
  std::string token;
};

struct ApiReply {
  unsigned status = 0;
  nlohmann::json body;  // null when the answer was not JSON
  std::string text;     // the raw body
};

// "http://host:port/prefix" -> parts; an error for anything else (https is not served).
struct ServerUrl {
  std::string host, port, prefix;
};
Result<ServerUrl> parse_server_url(std::string_view url);

// Sends the request; a reply of any status is a value, only transport failures are
// errors (Errc::closed: not reachable; Errc::timeout; Errc::config: a bad URL).
Result<ApiReply> call_api(const ApiTarget& target, boost::beast::http::verb method, const std::string& path,
                          const std::optional<nlohmann::json>& body = std::nullopt);

// The message for a reply that is not 2xx: "401: token missing or wrong ...",
// or the server's detail ("stream live/x not found: ...").
std::string describe_failure(const ApiReply& reply);

}  // namespace relaycast::cli
