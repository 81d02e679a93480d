#pragma once
// The control plane of a node: the REST API under /api/v1 (JSON; errors as
// {"error", "detail"} with the right status), GET /metrics (Prometheus), the stream
// health monitor, run-time stream keys, events and configuration reload; and the web
// pages (api/web_pages.hpp: dashboard, players), which are public and get their data
// from the API like any client.
//
// Layering: src/api sits above src/server. The server knows only the HttpExtension
// interface (server/http_extension.hpp); the CLI creates a ControlPlane for its
// Server and hands it over with Server::set_http_extension, so the server's HTTP
// session routes /api/v1/... and /metrics here without including this layer, and this
// layer reads the server's shared state (ServerContext: streams, sessions, counters).
//
// Webhooks and signed play URLs fit the same way: the sessions ask a decision interface
// in src/server (server/stream_hooks.hpp, through server/admission.hpp) before they
// accept a publish or play; src/api/webhooks.cpp implements it and the CLI sets it with
// Server::set_stream_hooks. Play tokens are checked in src/server (server/play_token.hpp);
// POST /api/v1/tokens (token_routes.cpp) signs them.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api_auth.hpp"
#include "api/event_store.hpp"
#include "api/join_authority.hpp"
#include "api/key_store.hpp"
#include "api/recent_log.hpp"
#include "api/router.hpp"
#include "api/stream_monitor.hpp"
#include "api/web_pages.hpp"
#include "cluster/cluster_node.hpp"
#include "cluster/join_bundle.hpp"
#include "core/config.hpp"
#include "server/http_extension.hpp"
#include "server/server.hpp"

namespace relaycast::api {

struct ControlPlaneOptions {
  std::string version;
  std::string config_file;  // empty: started without one
  // Reads the configuration as `relaycast serve` did at start (the file, then the
  // command-line flags over it).
  std::function<Result<Config>()> load_config;
  // This node's part in the cluster (registry, balancer); null: /api/v1/nodes and
  // /play/ answer that there is none.
  cluster::ClusterNode* cluster = nullptr;
};

struct ReloadOutcome {
  std::vector<std::string> applied, needs_restart;
};

class ControlPlane : public HttpExtension {
public:
  ControlPlane(Server& server, ControlPlaneOptions options);
  ~ControlPlane() override;

  // Loads the run-time stream keys, starts the monitor, says at start how the API is
  // protected. Call before Server::start.
  Result<void> start();
  void stop();

  bool answers(std::string_view path) const override;
  HttpResponse handle(const HttpRequest& request, const HttpPeer& peer) override;

  // POST /api/v1/reload and SIGHUP; the error says why nothing was applied.
  Result<ReloadOutcome> reload();

  // The route table, in the order of the handlers (for the OpenAPI test).
  static std::vector<Route> routes();
  StreamMonitor& monitor() { return monitor_; }

private:
  using Params = std::map<std::string, std::string, std::less<>>;
  using Handler = HttpResponse (ControlPlane::*)(const HttpRequest&, const Params&);

  HttpResponse get_server(const HttpRequest&, const Params&);
  HttpResponse get_streams(const HttpRequest&, const Params&);
  HttpResponse get_stream(const HttpRequest&, const Params&);
  HttpResponse kick_stream(const HttpRequest&, const Params&);
  HttpResponse get_clients(const HttpRequest&, const Params&);
  HttpResponse kick_client(const HttpRequest&, const Params&);
  HttpResponse get_keys(const HttpRequest&, const Params&);
  HttpResponse add_key(const HttpRequest&, const Params&);
  HttpResponse remove_key(const HttpRequest&, const Params&);
  HttpResponse post_reload(const HttpRequest&, const Params&);
  HttpResponse post_token(const HttpRequest&, const Params&);  // token_routes.cpp
  HttpResponse get_openapi(const HttpRequest&, const Params&);
  HttpResponse get_metrics(const HttpRequest&, const Params&);
  // recordings_routes.cpp
  HttpResponse get_recordings(const HttpRequest&, const Params&);
  HttpResponse remove_recording(const HttpRequest&, const Params&);
  HttpResponse start_recording(const HttpRequest&, const Params&);
  HttpResponse stop_recording(const HttpRequest&, const Params&);
  // events_routes.cpp, log_routes.cpp
  HttpResponse get_events(const HttpRequest&, const Params&);
  HttpResponse create_event(const HttpRequest&, const Params&);
  HttpResponse get_event(const HttpRequest&, const Params&);
  HttpResponse delete_event(const HttpRequest&, const Params&);
  HttpResponse get_recent_log(const HttpRequest&, const Params&);
  // Cluster and pushes (cluster_routes.cpp).
  HttpResponse get_nodes(const HttpRequest&, const Params&);
  HttpResponse post_heartbeat(const HttpRequest&, const Params&);
  HttpResponse drain_node(const HttpRequest&, const Params&);
  HttpResponse undrain_node(const HttpRequest&, const Params&);
  HttpResponse set_drained(const Params&, bool drained);
  HttpResponse get_pushes(const HttpRequest&, const Params&);
  HttpResponse add_push(const HttpRequest&, const Params&);
  HttpResponse remove_push(const HttpRequest&, const Params&);
  // autoscale_routes.cpp
  HttpResponse get_autoscale(const HttpRequest&, const Params&);
  HttpResponse get_autoscale_plan(const HttpRequest&, const Params&);
  // Join tokens (join_routes.cpp).
  HttpResponse post_join_token(const HttpRequest&, const Params&);
  // A signed bundle for a new edge; origins and heartbeat URLs not given are this
  // registry's live origins and this node. Errc::not_found without a registry or origin.
  Result<cluster::JoinBundle> join_bundle(const cluster::JoinClaims& claims, cluster::JoinBundle bundle);
  // For the autoscaler's scale-up command (RELAYCAST_JOIN_COMMAND); "" when none can be made.
  std::string autoscale_join_bundle(int64_t ttl_s);
  // 401/403 with the reason, or nothing when the heartbeat may go on.
  std::optional<HttpResponse> authorize_heartbeat(const HttpRequest& request, const HttpPeer& peer);
  // The node credential for an answer to a heartbeat that came with a join token.
  std::optional<std::string> credential_to_issue(const HttpRequest& request, const std::string& node_id);

  std::string render_metrics();
  // 401/403 with the reason, or nothing when the request may go on.
  std::optional<HttpResponse> refuse_unauthorized(const HttpRequest& request, const HttpPeer& peer, bool metrics);

  Server& server_;
  ServerContext& context_;
  ControlPlaneOptions options_;
  Router router_;
  std::vector<Handler> handlers_;
  ApiAuth auth_;
  std::atomic<bool> metrics_auth_;
  KeyStore keys_;
  EventStore events_;
  JoinAuthority joins_;
  std::shared_ptr<RecentLog> recent_log_;
  // The dashboard and players (/, /watch/..., /event/..., /web/...): public pages;
  // the dashboard's data comes from the API, with its auth.
  WebPages web_;
  StreamMonitor monitor_;
  std::mutex reload_mutex_;
  Config running_;  // the configuration in effect, live settings included
};

// {"error": error, "detail": detail} with `status`.
HttpResponse json_error(unsigned status, std::string_view error, std::string_view detail);
HttpResponse json_response(unsigned status, const nlohmann::json& body);

}  // namespace relaycast::api
