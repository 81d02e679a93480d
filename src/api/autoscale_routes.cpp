// The autoscaling hooks' routes (cluster/autoscaler.hpp): GET /api/v1/autoscale (the
// policy, the load, recent decisions, launches and drains in progress, command results)
// and GET /api/v1/autoscale/plan (what would be decided now; nothing is run).
#include "api/control_plane.hpp"

namespace relaycast::api {
using nlohmann::json;

namespace {

std::optional<HttpResponse> no_autoscaler(cluster::ClusterNode* node) {
  if (!node) return json_error(503, "no cluster", "this server runs without its cluster part");
  if (!node->autoscaler())
    return json_error(503, "no registry",
                      "autoscaling runs on the node that hosts the registry (an origin); this one has none");
  return std::nullopt;
}

}  // namespace

HttpResponse ControlPlane::get_autoscale(const HttpRequest&, const Params&) {
  if (auto refused = no_autoscaler(options_.cluster)) return std::move(*refused);
  return json_response(200, options_.cluster->autoscaler()->status());
}

HttpResponse ControlPlane::get_autoscale_plan(const HttpRequest&, const Params&) {
  if (auto refused = no_autoscaler(options_.cluster)) return std::move(*refused);
  auto* autoscaler = options_.cluster->autoscaler();
  const auto status = autoscaler->status();
  return json_response(200, {{"enabled", status["enabled"]},
                             {"decision", status["plan"]},
                             {"pending_launches", status["pending_launches"]},
                             {"draining", status["draining"]},
                             {"dry_run", true}});
}

}  // namespace relaycast::api
