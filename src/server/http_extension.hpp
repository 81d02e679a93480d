#pragma once
// How a higher layer answers HTTP requests on the server's port without the server
// knowing it. src/api implements this (the REST API and /metrics) and the CLI hands
// it to Server::set_http_extension before start, so the server never includes the
// API, while the API may use everything the server exposes (ServerContext).
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "server/http_response.hpp"

namespace relaycast {

struct HttpPeer {
  boost::asio::ip::address address;
  std::string description;  // "http #12 127.0.0.1:40000", for logs
};

class HttpExtension {
public:
  virtual ~HttpExtension() = default;
  // Whether the extension answers `path` (the request target without its query).
  // Asked for every request before the media routes; must be cheap.
  virtual bool answers(std::string_view path) const = 0;
  // Runs on the session's worker; a short, non-blocking answer.
  virtual HttpResponse handle(const HttpRequest& request, const HttpPeer& peer) = 0;
};

}  // namespace relaycast
