// POST /api/v1/tokens: signs a play token with the server's play_tokens.secret, so
// that a script or the CLI can hand out play URLs without holding the secret.
#include <fmt/format.h>

#include "api/control_plane.hpp"
#include "api/play_token_urls.hpp"
#include "core/log.hpp"

namespace relaycast::api {
namespace http = boost::beast::http;
using nlohmann::json;

HttpResponse ControlPlane::post_token(const HttpRequest& request, const Params&) {
  const auto& config = context_.config;
  if (config.play_tokens.secret.empty())
    return json_error(409, "no secret", "the server has no play_tokens.secret to sign with; set one in its config file");
  json body;
  try {
    body = json::parse(request.body());
  } catch (const json::exception& e) {
    return json_error(400, "bad request body",
                      fmt::format("the body must be JSON {{\"stream\": \"app/name\", \"ttl_s\": 7200}}: {}", e.what()));
  }
  if (!body.is_object() || !body.contains("stream") || !body["stream"].is_string())
    return json_error(400, "bad request body", "\"stream\" (\"app/name\") is required");
  int64_t ttl = 3600;
  if (body.contains("ttl_s")) {
    if (!body["ttl_s"].is_number_integer()) return json_error(400, "bad ttl", "\"ttl_s\" must be a whole number of seconds");
    ttl = body["ttl_s"];
  }
  // The URLs name this server as the client reached it, unless told otherwise.
  std::string http_base;
  if (body.contains("base_url")) {
    if (!body["base_url"].is_string()) return json_error(400, "bad base_url", "\"base_url\" must be a string");
    http_base = body["base_url"];
    if (!http_base.starts_with("http://") && !http_base.starts_with("https://"))
      return json_error(400, "bad base_url", "\"base_url\" is http(s)://host[:port] where players reach this server");
  } else {
    const auto host = request[http::field::host];
    http_base = host.empty() ? fmt::format("http://127.0.0.1:{}", config.http.port)
                             : "http://" + std::string(host.data(), host.size());
  }
  std::string rtmp_base = fmt::format("rtmp://{}:{}", url_host(http_base), config.rtmp.port);
  if (body.contains("rtmp_url")) {
    if (!body["rtmp_url"].is_string() || !body["rtmp_url"].get<std::string>().starts_with("rtmp://"))
      return json_error(400, "bad rtmp_url", "\"rtmp_url\" is rtmp://host[:port]");
    rtmp_base = body["rtmp_url"];
  }
  auto signed_urls = signed_play_urls(config.play_tokens.secret, body["stream"].get<std::string>(), ttl, http_base,
                                      rtmp_base, std::chrono::system_clock::now());
  if (!signed_urls) return json_error(400, "bad request", signed_urls.error().message());
  spdlog::info("API: signed a play token for {} valid {} s", (*signed_urls)["stream"].get<std::string>(), ttl);
  return json_response(201, *signed_urls);
}

}  // namespace relaycast::api
