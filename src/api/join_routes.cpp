// Join tokens on the control plane: POST /api/v1/nodes/join-tokens signs one and
// answers the command that makes a fresh machine an edge of this cluster, and every
// POST /api/v1/nodes/heartbeat is let in or refused here (api/join_authority.hpp)
// before its handler records it.
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/control_plane.hpp"
#include "api/play_token_urls.hpp"
#include "cluster/join_bundle.hpp"
#include "core/log.hpp"

namespace relaycast::api {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

std::string header_text(const HttpRequest& request, http::field field) {
  const auto v = request[field];
  return std::string(v.data(), v.size());
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

HttpResponse invalid_token(unsigned status, std::string_view error, std::string_view detail) {
  auto r = json_error(status, error, detail);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"relaycast\", error=\"invalid_token\"");
  return r;
}

// A list of URLs from the request body, each starting with `scheme`.
std::optional<std::string> read_urls(const json& body, const char* field, std::string_view scheme,
                                     std::vector<std::string>& out) {
  if (!body.contains(field)) return std::nullopt;
  const auto& list = body[field];
  if (!list.is_array() || list.empty())
    return fmt::format("\"{}\" must be a non-empty list of {}host:port URLs", field, scheme);
  for (const auto& url : list) {
    if (!url.is_string() || !url.get<std::string>().starts_with(scheme))
      return fmt::format("\"{}\" has {}, not a {}host:port URL", field, url.dump(), scheme);
    out.push_back(url.get<std::string>());
  }
  return std::nullopt;
}

}  // namespace

std::optional<HttpResponse> ControlPlane::authorize_heartbeat(const HttpRequest& request, const HttpPeer& peer) {
  // Only for the log and the node binding: a body that is no report is refused later.
  const auto body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  const std::string node_id =
      body.is_object() && body.contains("id") && body["id"].is_string() ? body["id"].get<std::string>() : "?";
  const std::string authorization = header_text(request, http::field::authorization);
  const auto bearer = bearer_token(authorization);
  const auto judged = joins_.judge(bearer, node_id, peer.description, unix_now());
  switch (judged.verdict) {
    case JoinAuthority::Verdict::join_token:
    case JoinAuthority::Verdict::node_credential: return std::nullopt;
    case JoinAuthority::Verdict::refused:
      context_.refusals.count(Refusal::api_unauthorized);
      return invalid_token(401, fmt::format("join token {}", judged.reason), judged.message);
    case JoinAuthority::Verdict::not_join: break;
  }
  auto refused = refuse_unauthorized(request, peer, false);
  if (refused)
    joins_.log_refusal(node_id, bearer.empty() ? "no token" : "wrong token",
                       bearer.empty() ? "it sent no join token (cluster.join_token) and no API token"
                                      : "its token is neither a join token, a node credential nor the api.token",
                       peer.description);
  return refused;
}

std::optional<std::string> ControlPlane::credential_to_issue(const HttpRequest& request, const std::string& node_id) {
  // authorize_heartbeat let it in, so a join token here is a valid one.
  const std::string authorization = header_text(request, http::field::authorization);
  if (!bearer_token(authorization).starts_with(cluster::kJoinTokenPrefix))
    return std::nullopt;
  auto credential = joins_.credential_for(node_id);
  return credential.empty() ? std::nullopt : std::optional(std::move(credential));
}

Result<cluster::JoinBundle> ControlPlane::join_bundle(const cluster::JoinClaims& claims, cluster::JoinBundle bundle) {
  auto* node = options_.cluster;
  auto* registry = node ? node->registry() : nullptr;
  if (!registry) return fail(Errc::not_found, "this node hosts no registry (cluster.registry)");
  const auto self = node->report();
  if (bundle.origins.empty()) {
    // This origin first, then every other live origin the registry knows (several
    // origins sharing a Redis registry): the edge fails over in that order.
    if (self.role == "origin") bundle.origins.push_back(self.rtmp_url);
    for (const auto& v : registry->nodes())
      if (v.report.role == "origin" && v.state != cluster::NodeState::down && v.report.id != self.id)
        bundle.origins.push_back(v.report.rtmp_url);
    if (bundle.origins.empty())
      return fail(Errc::not_found, "the registry knows no live origin for the edge to pull from; give "
                                   "\"origins\": [\"rtmp://host:port\"]");
  }
  if (bundle.heartbeat_urls.empty()) bundle.heartbeat_urls.push_back(self.http_url);
  auto token = joins_.sign(claims);
  if (!token) return fail(Errc::config, "{}", token.error().message());
  bundle.token = *token;
  return bundle;
}

std::string ControlPlane::autoscale_join_bundle(int64_t ttl_s) {
  auto bundle = join_bundle({.expires_unix = unix_now() + ttl_s}, {});
  if (!bundle) {
    spdlog::warn("autoscale: the scale-up command gets no RELAYCAST_JOIN_COMMAND: {}", bundle.error().message());
    return {};
  }
  spdlog::info("autoscale: signed a join token valid {} s for the edge the scale-up command launches", ttl_s);
  return cluster::encode_join_bundle(*bundle);
}

HttpResponse ControlPlane::post_join_token(const HttpRequest& request, const Params&) {
  auto* node = options_.cluster;
  auto* registry = node ? node->registry() : nullptr;
  if (!registry)
    return json_error(503, "no registry", "this node hosts no registry (cluster.registry): ask the origin whose "
                                          "registry the new edge should heartbeat to");
  json body = json::object();
  if (!request.body().empty()) {
    body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object())
      return json_error(400, "bad request body", "the body must be JSON {\"ttl_s\": 3600, \"node_id\": \"edge-7\"} "
                                                 "(every field optional)");
  }
  int64_t ttl = 3600;
  if (body.contains("ttl_s")) {
    if (!body["ttl_s"].is_number_integer()) return json_error(400, "bad ttl", "\"ttl_s\" must be a whole number of seconds");
    ttl = body["ttl_s"];
  }
  if (ttl < 1 || ttl > kMaxTokenTtlSeconds)
    return json_error(400, "bad ttl", fmt::format("a join token's lifetime must be from 1 s to 366 days, not {} s", ttl));
  cluster::JoinClaims claims{.expires_unix = unix_now() + ttl};
  if (body.contains("node_id") && !body["node_id"].is_null()) {
    if (!body["node_id"].is_string() || body["node_id"].get<std::string>().empty())
      return json_error(400, "bad node_id", "\"node_id\" must be the id the new node will have (cluster.node_id)");
    claims.node_id = body["node_id"].get<std::string>();
  }
  cluster::JoinBundle wanted;
  if (auto bad = read_urls(body, "origins", "rtmp://", wanted.origins)) return json_error(400, "bad origins", *bad);
  if (auto bad = read_urls(body, "heartbeat_urls", "http://", wanted.heartbeat_urls))
    return json_error(400, "bad heartbeat_urls", *bad);
  auto signed_bundle = join_bundle(claims, std::move(wanted));
  if (!signed_bundle) {
    if (signed_bundle.error().is(Errc::not_found))
      return json_error(409, "no origin", signed_bundle.error().message());
    return json_error(500, "no join secret", signed_bundle.error().message());
  }
  const auto& bundle = *signed_bundle;
  const std::string encoded = cluster::encode_join_bundle(bundle);
  const std::string command = cluster::join_command(encoded);
  spdlog::info("API: signed a join token valid {} s (until {}) for {}; edges pull from {} and heartbeat to {}", ttl,
               cluster::utc_time(claims.expires_unix), claims.node_id.empty() ? "any node id" : "node " + claims.node_id,
               fmt::join(bundle.origins, ", "), fmt::join(bundle.heartbeat_urls, ", "));
  return json_response(201, {{"token", bundle.token},
                             {"expires_unix", claims.expires_unix},
                             {"expires_at", cluster::utc_time(claims.expires_unix)},
                             {"ttl_s", ttl},
                             {"node_id", claims.node_id.empty() ? json(nullptr) : json(claims.node_id)},
                             {"origins", bundle.origins},
                             {"heartbeat_urls", bundle.heartbeat_urls},
                             {"bundle", encoded},
                             {"command", command},
                             {"cloud_init", fmt::format("#cloud-config\nruncmd:\n  - {}\n", command)}});
}

}  // namespace relaycast::api
