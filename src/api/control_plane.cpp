#include "api/control_plane.hpp"

#include <unistd.h>

#include <charconv>

#include "api/config_reload.hpp"
#include "api/json_views.hpp"
#include "api/openapi_document.hpp"
#include "cluster/play_path.hpp"
#include "core/log.hpp"
#include "server/stream_path.hpp"

namespace relaycast::api {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kApiPrefix = "/api/v1/";
constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kHeartbeatPath = "/api/v1/nodes/heartbeat";

std::string header(const HttpRequest& request, http::field field) {
  const auto v = request[field];
  return std::string(v.data(), v.size());
}

std::string stream_key(const std::map<std::string, std::string, std::less<>>& params) {
  return params.at("app") + "/" + params.at("name");
}

}  // namespace

HttpResponse json_response(unsigned status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.cache_control = "no-store";
  r.body.push_back(Buffer::copy_of(body.dump(2) + "\n"));
  return r;
}

HttpResponse json_error(unsigned status, std::string_view error, std::string_view detail) {
  return json_response(status, {{"error", error}, {"detail", detail}});
}

std::vector<Route> ControlPlane::routes() {
  return {
      {"GET", "/api/v1/server"},
      {"GET", "/api/v1/streams"},
      {"GET", "/api/v1/streams/{app}/{name}"},
      {"DELETE", "/api/v1/streams/{app}/{name}"},
      {"GET", "/api/v1/clients"},
      {"DELETE", "/api/v1/clients/{id}"},
      {"GET", "/api/v1/keys"},
      {"POST", "/api/v1/keys"},
      {"DELETE", "/api/v1/keys/{app}/{name}"},
      {"POST", "/api/v1/reload"},
      {"POST", "/api/v1/tokens"},
      {"GET", "/api/v1/openapi.json"},
      {"GET", "/metrics"},
      {"GET", "/api/v1/recordings"},
      {"DELETE", "/api/v1/recordings/{app}/{name}/{file}"},
      {"POST", "/api/v1/streams/{app}/{name}/recording"},
      {"DELETE", "/api/v1/streams/{app}/{name}/recording"},
      {"GET", "/api/v1/events"},
      {"POST", "/api/v1/events"},
      {"GET", "/api/v1/events/{id}"},
      {"DELETE", "/api/v1/events/{id}"},
      {"GET", "/api/v1/log/recent"},
      {"GET", "/api/v1/nodes"},
      {"POST", "/api/v1/nodes/heartbeat"},
      {"POST", "/api/v1/nodes/{id}/drain"},
      {"POST", "/api/v1/nodes/{id}/undrain"},
      {"GET", "/api/v1/pushes"},
      {"POST", "/api/v1/pushes"},
      {"DELETE", "/api/v1/pushes/{id}"},
      {"GET", "/api/v1/autoscale"},
      {"GET", "/api/v1/autoscale/plan"},
      {"POST", "/api/v1/nodes/join-tokens"},
  };
}

ControlPlane::ControlPlane(Server& server, ControlPlaneOptions options)
    : server_(server),
      context_(server.context()),
      options_(std::move(options)),
      router_(routes()),
      handlers_{&ControlPlane::get_server,  &ControlPlane::get_streams, &ControlPlane::get_stream,
                &ControlPlane::kick_stream, &ControlPlane::get_clients, &ControlPlane::kick_client,
                &ControlPlane::get_keys,    &ControlPlane::add_key,     &ControlPlane::remove_key,
                &ControlPlane::post_reload, &ControlPlane::post_token,  &ControlPlane::get_openapi,
                &ControlPlane::get_metrics, &ControlPlane::get_recordings, &ControlPlane::remove_recording,
                &ControlPlane::start_recording, &ControlPlane::stop_recording,
                &ControlPlane::get_events,  &ControlPlane::create_event, &ControlPlane::get_event,
                &ControlPlane::delete_event, &ControlPlane::get_recent_log,
                &ControlPlane::get_nodes,   &ControlPlane::post_heartbeat, &ControlPlane::drain_node,
                &ControlPlane::undrain_node, &ControlPlane::get_pushes, &ControlPlane::add_push,
                &ControlPlane::remove_push, &ControlPlane::get_autoscale, &ControlPlane::get_autoscale_plan,
                &ControlPlane::post_join_token},
      auth_(context_.config.api.token),
      metrics_auth_(context_.config.metrics.auth),
      keys_(keys_file(context_.config), context_.config.auth.publish_keys, context_.publish_keys),
      events_(events_file(context_.config)),
      joins_(context_.config.cluster.join_secret, state_directory(context_.config) / "join_secret"),
      recent_log_(std::make_shared<RecentLog>()),
      web_(context_, events_, context_.config.web),
      monitor_(context_, server.main_context(), context_.config.health),
      running_(context_.config) {}

ControlPlane::~ControlPlane() { stop(); }

Result<void> ControlPlane::start() {
  if (auto loaded = keys_.load(); !loaded) return loaded;
  if (auto loaded = events_.load(); !loaded) return loaded;
  if (auto loaded = joins_.load(); !loaded) return loaded;
  // Before the server runs: spdlog does not lock its list of sinks.
  spdlog::default_logger()->sinks().push_back(recent_log_);
  monitor_.start();
  const auto& c = context_.config;
  if (c.api.enabled) {
    if (auth_.has_token())
      spdlog::info("API: /api/v1 on HTTP port {} needs \"Authorization: Bearer <api.token>\"", c.http.port);
    else
      spdlog::warn("API: no api.token configured: /api/v1 answers only to clients on loopback (127.0.0.1, ::1)");
  }
  if (c.metrics.enabled)
    spdlog::info("metrics: /metrics on HTTP port {} is {}", c.http.port,
                 c.metrics.auth ? "protected like the API (metrics.auth = true)" : "open to any scraper (metrics.auth)");
  spdlog::info("API: stream keys added at run time are kept in {}", keys_.file().string());
  spdlog::info("API: events are kept in {}", events_.file().string());
  if (options_.cluster && options_.cluster->registry())
    spdlog::info("cluster: join tokens and node credentials are signed with {}", joins_.describe());
  if (auto* scaler = options_.cluster ? options_.cluster->autoscaler() : nullptr)
    scaler->set_join_bundle_source([this](int64_t ttl_s) { return autoscale_join_bundle(ttl_s); });
  if (c.web.enabled && !c.web.directory.empty())
    spdlog::info("web: pages are read from {} first (web.directory)", c.web.directory);
  return {};
}

void ControlPlane::stop() {
  if (auto* scaler = options_.cluster ? options_.cluster->autoscaler() : nullptr) scaler->set_join_bundle_source({});
  monitor_.stop();
  // After the server stopped (run() returned), so no worker logs while this changes.
  std::erase(spdlog::default_logger()->sinks(), recent_log_);
}

bool ControlPlane::answers(std::string_view path) const {
  const auto& c = context_.config;
  if (options_.cluster && path.starts_with(cluster::kPlayPrefix)) return true;
  if (c.api.enabled && (path.starts_with(kApiPrefix) || path == "/api/v1")) return true;
  if (web_.answers(path)) return true;
  return c.metrics.enabled && path == kMetricsPath;
}

std::optional<HttpResponse> ControlPlane::refuse_unauthorized(const HttpRequest& request, const HttpPeer& peer,
                                                              bool metrics) {
  if (metrics && !metrics_auth_.load()) return std::nullopt;
  switch (auth_.check(header(request, http::field::authorization), peer.address)) {
    case AuthVerdict::allowed: return std::nullopt;
    case AuthVerdict::missing_or_wrong_token: {
      context_.refusals.count(Refusal::api_unauthorized);
      auto r = json_error(401, "unauthorized",
                          "token missing or wrong: send \"Authorization: Bearer <token>\" with the server's api.token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"relaycast\"");
      return r;
    }
    case AuthVerdict::not_loopback:
      context_.refusals.count(Refusal::api_unauthorized);
      return json_error(403, "forbidden",
                        "no api.token is configured, so the API answers only to clients on loopback; "
                        "set api.token to use it from " + peer.address.to_string());
  }
  return json_error(500, "internal error", "unknown authorization verdict");
}

HttpResponse ControlPlane::handle(const HttpRequest& request, const HttpPeer& peer) {
  const std::string_view target(request.target().data(), request.target().size());
  const auto path = target.substr(0, target.find('?'));
  const std::string method(request.method_string());
  // The balancer is for viewers: no token.
  if (options_.cluster && path.starts_with(cluster::kPlayPrefix)) {
    if (method != "GET" && method != "HEAD") return HttpResponse::text(405, "the balancer answers GET\n");
    return options_.cluster->play_redirect(target);
  }
  if (!path.starts_with(kApiPrefix) && path != kMetricsPath && web_.answers(path)) return web_.handle(request);
  // Heartbeats may come with a join token instead of the API's credentials.
  if (method == "POST" && path == kHeartbeatPath) {
    if (auto refused = authorize_heartbeat(request, peer)) return std::move(*refused);
  } else if (auto refused = refuse_unauthorized(request, peer, path == kMetricsPath)) {
    return std::move(*refused);
  }

  const auto matched = router_.match(method, path);
  if (const auto* none = std::get_if<NoRoute>(&matched)) {
    std::string allowed;
    for (const auto& m : none->allowed) allowed += (allowed.empty() ? "" : ", ") + m;
    if (none->path_known && method == "OPTIONS") {
      HttpResponse r = HttpResponse::text(204, "");
      r.body.clear();
      r.headers = {{"Allow", allowed + ", OPTIONS"},
                   {"Access-Control-Allow-Methods", allowed + ", OPTIONS"},
                   {"Access-Control-Allow-Headers", "Authorization, Content-Type"}};
      return r;
    }
    if (none->path_known) {
      auto r = json_error(405, "method not allowed", fmt::format("{} takes {}", path, allowed));
      r.headers.emplace_back("Allow", allowed);
      return r;
    }
    return json_error(404, "no such route",
                      fmt::format("{} {} is not an API route; GET /api/v1/openapi.json lists them", method, path));
  }
  const auto& route = std::get<RouteMatch>(matched);
  try {
    return (this->*handlers_[route.index])(request, route.params);
  } catch (const std::exception& e) {
    spdlog::error("{}: API {} {} failed: {}", peer.description, method, path, e.what());
    return json_error(500, "internal error", e.what());
  }
}

HttpResponse ControlPlane::get_server(const HttpRequest&, const Params&) {
  const auto node = monitor_.node();
  const auto streams = monitor_.streams();
  ViewerCounts viewers;
  json health = {{"healthy", 0}, {"degraded", 0}, {"offline", 0}};
  size_t live = 0;
  for (const auto& s : streams) {
    viewers.rtmp += s.viewers.rtmp;
    viewers.flv += s.viewers.flv;
    viewers.hls += s.viewers.hls;
    health[std::string(to_string(s.health.state))] = health[std::string(to_string(s.health.state))].get<int>() + 1;
    live += s.live;
  }
  json refused = json::object();
  refused["max_connections"] = context_.limiter->refused_by_total();
  refused["max_connections_per_ip"] = context_.limiter->refused_by_per_ip();
  for (size_t i = 2; i < kRefusalKinds; ++i) refused[std::string(to_string(Refusal(i)))] = context_.refusals.get(Refusal(i));
  const auto uptime = std::chrono::system_clock::now() - context_.started_at;
  return json_response(
      200, {{"version", options_.version},
            {"role", context_.config.cluster.role},
            {"pid", ::getpid()},
            {"started_at", iso8601(context_.started_at)},
            {"uptime_s", std::round(std::chrono::duration<double>(uptime).count() * 10) / 10},
            {"workers", server_.workers()},
            {"ports", {{"rtmp", context_.config.rtmp.port}, {"http", context_.config.http.port}}},
            {"cpu_percent", std::round(node.cpu_percent * 10) / 10},
            {"cpu_seconds", node.process.cpu_seconds},
            {"memory_rss_bytes", node.process.rss_bytes},
            {"threads", node.process.threads},
            {"ingress_bps", std::round(node.ingress_bps)},
            {"egress_bps", std::round(node.egress_bps)},
            {"bytes_in", node.bytes_in},
            {"bytes_out", node.bytes_out},
            {"connections", context_.limiter->open()},
            {"streams", {{"live", live}, {"healthy", health["healthy"]}, {"degraded", health["degraded"]},
                         {"offline", health["offline"]}}},
            {"viewers", {{"total", viewers.total()}, {"rtmp", viewers.rtmp}, {"flv", viewers.flv}, {"hls", viewers.hls},
                         {"srt", viewers.srt}}},
            {"refused", refused},
            {"api_auth", auth_.has_token() ? "token" : "loopback"},
            {"config_file", options_.config_file.empty() ? json(nullptr) : json(options_.config_file)}});
}

HttpResponse ControlPlane::get_streams(const HttpRequest&, const Params&) {
  json list = json::array();
  for (const auto& s : monitor_.streams()) list.push_back(stream_json(s));
  return json_response(200, {{"streams", list}});
}

HttpResponse ControlPlane::get_stream(const HttpRequest&, const Params& params) {
  const auto key = stream_key(params);
  auto stream = monitor_.stream(key);
  if (!stream)
    return json_error(404, "stream not found",
                      fmt::format("stream {} not found: it is not live and did not stop recently", key));
  return json_response(200, stream_json(*stream));
}

HttpResponse ControlPlane::kick_stream(const HttpRequest&, const Params& params) {
  const auto key = stream_key(params);
  const auto publisher = context_.sessions.publisher_of(key);
  if (!publisher) return json_error(404, "stream not found", fmt::format("stream {} not found: it is not live", key));
  context_.sessions.kick(publisher->id, "kicked through the API");
  spdlog::info("API: kicking the publisher of {} (client {}, {})", key, publisher->id, publisher->address);
  return json_response(200, {{"kicked", client_json(*publisher)}});
}

HttpResponse ControlPlane::get_clients(const HttpRequest&, const Params&) {
  json list = json::array();
  for (const auto& c : context_.sessions.list()) list.push_back(client_json(c));
  return json_response(200, {{"clients", list}});
}

HttpResponse ControlPlane::kick_client(const HttpRequest&, const Params& params) {
  const auto& text = params.at("id");
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size())
    return json_error(400, "bad client id", fmt::format("\"{}\" is not a client id (a whole number)", text));
  const auto client = context_.sessions.find(id);
  if (!client)
    return json_error(404, "client not found", fmt::format("client {} not found: GET /api/v1/clients lists them", id));
  context_.sessions.kick(id, "kicked through the API");
  spdlog::info("API: kicking client {} ({} {}{})", id, to_string(client->role), client->address,
               client->stream.empty() ? "" : ", " + client->stream);
  return json_response(200, {{"kicked", client_json(*client)}});
}

HttpResponse ControlPlane::get_keys(const HttpRequest&, const Params&) {
  json list = json::array();
  for (const auto& k : keys_.list()) list.push_back(key_json(k));
  return json_response(200, {{"keys", list}, {"file", keys_.file().string()}});
}

HttpResponse ControlPlane::add_key(const HttpRequest& request, const Params&) {
  json body;
  try {
    body = json::parse(request.body());
  } catch (const json::exception& e) {
    return json_error(400, "bad request body", fmt::format("the body must be JSON {{\"stream\": \"app/name\", \"key\": \"...\"}}: {}", e.what()));
  }
  if (!body.is_object() || !body.contains("stream") || !body["stream"].is_string())
    return json_error(400, "bad request body", "\"stream\" (\"app/name\" or \"app/*\") is required");
  const std::string stream = body["stream"];
  if (!valid_key_stream(stream))
    return json_error(400, "bad stream",
                      fmt::format("\"{}\" is not app/name or app/* (letters, digits, _ - .)", stream));
  std::string key;
  if (body.contains("key") && !body["key"].is_null()) {
    if (!body["key"].is_string()) return json_error(400, "bad key", "\"key\" must be a string");
    key = body["key"];
    if (!valid_key_secret(key))
      return json_error(400, "bad key", "a key is 8 to 256 letters, digits, '-', '.', '_' or '~' (it travels in a URL)");
  } else {
    key = generate_key();
  }
  auto added = keys_.add(stream, key);
  if (!added) {
    if (added.error().is(Errc::refused)) return json_error(409, "key exists", added.error().message());
    return json_error(500, "keys not saved", added.error().message());
  }
  spdlog::info("API: added a stream key for {}", stream);
  return json_response(201, key_json(*added));
}

HttpResponse ControlPlane::remove_key(const HttpRequest& request, const Params& params) {
  const auto key = stream_key(params);
  const std::string_view target(request.target().data(), request.target().size());
  const auto q = target.find('?');
  const std::string value = q == std::string_view::npos ? "" : query_param(target.substr(q + 1), "key");
  auto removed = keys_.remove(key, value);
  if (!removed) {
    if (removed.error().is(Errc::not_found)) return json_error(404, "key not found", removed.error().message());
    if (removed.error().is(Errc::refused)) return json_error(409, "key from the config file", removed.error().message());
    return json_error(500, "keys not saved", removed.error().message());
  }
  spdlog::info("API: removed {} stream key(s) of {}", *removed, key);
  return json_response(200, {{"removed", *removed}, {"stream", key}});
}

Result<ReloadOutcome> ControlPlane::reload() {
  std::lock_guard lock(reload_mutex_);
  if (!options_.load_config) return fail(Errc::config, "this server cannot reload its configuration");
  auto loaded = options_.load_config();
  if (!loaded) return std::unexpected(std::move(loaded.error()).context("configuration not reloaded"));
  const auto plan = plan_reload(running_, *loaded);
  const Config& l = *loaded;
  spdlog::set_level(spdlog::level::from_str(l.server.log_level));
  context_.limiter->set_limits(l.server.max_connections, l.server.max_connections_per_ip);
  keys_.set_config_keys(l.auth.publish_keys);
  monitor_.set_config(l.health);
  auth_.set_token(l.api.token);
  metrics_auth_.store(l.metrics.auth);
  running_ = apply_live_settings(running_, l);
  const std::string source = options_.config_file.empty() ? "defaults and flags (no --config file)" : options_.config_file;
  if (plan.applied.empty()) spdlog::info("reloaded {}: nothing that applies live changed", source);
  for (const auto& a : plan.applied) spdlog::info("reloaded {}: applied {}", source, a);
  for (const auto& r : plan.needs_restart)
    spdlog::warn("reloaded {}: {} changed but needs a restart; still running on the old values", source, r);
  return ReloadOutcome{plan.applied, plan.needs_restart};
}

HttpResponse ControlPlane::post_reload(const HttpRequest&, const Params&) {
  auto outcome = reload();
  if (!outcome) return json_error(400, "configuration not reloaded", outcome.error().message());
  return json_response(200, {{"config_file", options_.config_file.empty() ? json(nullptr) : json(options_.config_file)},
                             {"applied", outcome->applied},
                             {"needs_restart", outcome->needs_restart}});
}

HttpResponse ControlPlane::get_openapi(const HttpRequest&, const Params&) {
  HttpResponse r;
  r.content_type = "application/json";
  r.body.push_back(Buffer::copy_of(openapi_document()));
  return r;
}

HttpResponse ControlPlane::get_metrics(const HttpRequest&, const Params&) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.cache_control = "no-store";
  r.body.push_back(Buffer::copy_of(render_metrics()));
  return r;
}

}  // namespace relaycast::api
