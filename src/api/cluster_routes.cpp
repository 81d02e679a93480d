// The cluster's routes of the control plane: the node registry (list, heartbeats,
// drain) and the pushes (restreams) with their rules, added and removed at run time.
#include <charconv>

#include "api/control_plane.hpp"
#include "api/json_views.hpp"
#include "core/log.hpp"
#include "server/stream_path.hpp"

namespace relaycast::api {
using nlohmann::json;

namespace {

json push_json(const relay::PushStatus& p) {
  return {{"id", p.id},
          {"rule", p.rule == 0 ? json(nullptr) : json(p.rule)},
          {"stream", p.stream},
          {"url", p.url},
          {"kind", p.forward ? "forward" : "push"},
          {"state", relay::to_string(p.state)},
          {"since", iso8601(p.since)},
          {"bytes", p.bytes},
          {"connections", p.connections},
          {"reconnects", p.failures},
          {"last_error", p.last_error.empty() ? json(nullptr) : json(p.last_error)}};
}

json rule_json(const relay::Relay::PushRuleView& r) {
  return {{"id", r.id},
          {"app", r.app},
          {"stream", r.stream},
          {"url", r.url},
          {"source", r.source},
          {"tls_verify", r.tls ? json(r.tls->verify) : json(nullptr)},
          {"tls_ca_file", r.tls && !r.tls->ca_file.empty() ? json(r.tls->ca_file) : json(nullptr)}};
}

std::optional<json> parse_body(const HttpRequest& request) {
  auto body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

}  // namespace

HttpResponse ControlPlane::get_nodes(const HttpRequest&, const Params&) {
  auto* node = options_.cluster;
  if (!node) return json_error(503, "no cluster", "this server runs without its cluster part");
  const auto now = cluster::wall_clock_ms();
  json list = json::array();
  json registry = nullptr;
  json streams = json::object();
  if (auto* r = node->registry()) {
    for (const auto& v : r->nodes()) list.push_back(cluster::view_json(v, now));
    for (const auto& [stream, origin] : r->stream_origins()) streams[stream] = origin;
    const auto problem = r->problem();
    registry = {{"kind", r->describe()}, {"problem", problem.empty() ? json(nullptr) : json(problem)}};
  } else {
    // An edge without a registry: itself, as the registries it heartbeats to see it.
    auto self = cluster::report_json(node->report());
    self["state"] = node->drained() ? "draining" : "active";
    self["drained"] = node->drained();
    list.push_back(self);
  }
  return json_response(200, {{"self", node->id()}, {"registry", registry}, {"nodes", list}, {"streams", streams}});
}

HttpResponse ControlPlane::post_heartbeat(const HttpRequest& request, const Params&) {
  auto* registry = options_.cluster ? options_.cluster->registry() : nullptr;
  if (!registry)
    return json_error(503, "no registry", "this node hosts no registry (cluster.registry); send heartbeats to an origin");
  auto body = parse_body(request);
  if (!body) return json_error(400, "bad heartbeat", "the body must be a JSON object (a node report)");
  auto report = cluster::parse_report(*body);
  if (!report) return json_error(400, "bad heartbeat", report.error().message());
  registry->heartbeat(*report);
  const auto seen = registry->node(report->id);
  json streams = json::object();
  for (const auto& [stream, origin] : registry->stream_origins()) streams[stream] = origin;
  json answer = {{"id", report->id},
                 {"state", seen ? to_string(seen->state) : "active"},
                 {"drained", seen && seen->drained},
                 {"streams", streams}};
  // A node that joined with a join token heartbeats with this from now on (join_token.hpp).
  if (auto credential = credential_to_issue(request, report->id)) answer["node_credential"] = *credential;
  return json_response(200, answer);
}

HttpResponse ControlPlane::set_drained(const Params& params, bool drained) {
  auto* registry = options_.cluster ? options_.cluster->registry() : nullptr;
  if (!registry)
    return json_error(503, "no registry", "this node hosts no registry (cluster.registry); drain nodes on an origin");
  const auto& id = params.at("id");
  if (!registry->set_drained(id, drained))
    return json_error(404, "node not found", fmt::format("no node {} has sent a heartbeat: GET /api/v1/nodes lists them", id));
  spdlog::info("API: node {} {}", id, drained ? "drained: it gets no new viewers, its current ones stay"
                                              : "undrained: it gets new viewers again");
  return json_response(200, cluster::view_json(*registry->node(id), cluster::wall_clock_ms()));
}

HttpResponse ControlPlane::drain_node(const HttpRequest&, const Params& params) { return set_drained(params, true); }
HttpResponse ControlPlane::undrain_node(const HttpRequest&, const Params& params) { return set_drained(params, false); }

HttpResponse ControlPlane::get_pushes(const HttpRequest&, const Params&) {
  json pushes = json::array(), rules = json::array();
  for (const auto& p : context_.relay.pushes()) pushes.push_back(push_json(p));
  for (const auto& r : context_.relay.push_rules()) rules.push_back(rule_json(r));
  return json_response(200, {{"pushes", pushes}, {"rules", rules}});
}

HttpResponse ControlPlane::add_push(const HttpRequest& request, const Params&) {
  auto body = parse_body(request);
  const char* shape = "the body must be JSON {\"app\": \"live\", \"stream\": \"name or *\", \"url\": "
                      "\"rtmp[s]://host/app[/name]\"} (rtmps://: \"tls_verify\": true/false and \"tls_ca_file\": "
                      "\"/path.pem\" are optional)";
  if (!body || !(*body)["app"].is_string() || !(*body)["url"].is_string() ||
      (body->contains("stream") && !(*body)["stream"].is_string()) ||
      (body->contains("tls_verify") && !(*body)["tls_verify"].is_boolean()) ||
      (body->contains("tls_ca_file") && !(*body)["tls_ca_file"].is_string()))
    return json_error(400, "bad request body", shape);
  PushTarget target{.app = (*body)["app"].get<std::string>(),
                    .stream = body->contains("stream") ? (*body)["stream"].get<std::string>() : "*",
                    .url = (*body)["url"].get<std::string>()};
  if (body->contains("tls_verify")) target.tls_verify = (*body)["tls_verify"].get<bool>();
  if (body->contains("tls_ca_file")) target.tls_ca_file = (*body)["tls_ca_file"].get<std::string>();
  const std::string& app = target.app;
  const std::string& stream = target.stream;
  if (!valid_stream_segment(app) || (stream != "*" && !valid_stream_segment(stream)))
    return json_error(400, "bad stream", fmt::format("\"{}/{}\" is not app/name or app/* (letters, digits, _ - .)", app, stream));
  auto rule = context_.relay.add_push_rule(target, server_.main_context().get_executor());
  if (!rule) return json_error(400, "bad push", rule.error().message());
  spdlog::info("API: added push rule {}: {}/{} to {}", rule->id, rule->app, rule->stream, rule->url);
  json started = json::array();
  for (const auto& p : context_.relay.pushes())
    if (p.rule == rule->id) started.push_back(push_json(p));
  return json_response(201, {{"rule", rule_json(*rule)}, {"pushes", started}});
}

HttpResponse ControlPlane::remove_push(const HttpRequest&, const Params& params) {
  const auto& text = params.at("id");
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size())
    return json_error(400, "bad push rule id", fmt::format("\"{}\" is not a push rule id (a whole number)", text));
  auto stopped = context_.relay.remove_push_rule(id);
  if (!stopped) return json_error(404, "push rule not found", stopped.error().message());
  spdlog::info("API: removed push rule {} ({} push(es) stopped)", id, *stopped);
  return json_response(200, {{"removed", id}, {"stopped", *stopped}});
}

}  // namespace relaycast::api
