// /api/v1/events: the events played by /event/{id} (api/event_store.hpp).
#include "api/control_plane.hpp"
#include "core/log.hpp"

namespace relaycast::api {
using nlohmann::json;

HttpResponse ControlPlane::get_events(const HttpRequest&, const Params&) {
  json list = json::array();
  for (const auto& e : events_.list()) list.push_back(event_json(e));
  return json_response(200, {{"events", list}, {"file", events_.file().string()}});
}

HttpResponse ControlPlane::get_event(const HttpRequest&, const Params& params) {
  const auto& id = params.at("id");
  const auto event = events_.find(id);
  if (!event) return json_error(404, "event not found", fmt::format("event {} not found: GET /api/v1/events lists them", id));
  return json_response(200, event_json(*event));
}

HttpResponse ControlPlane::create_event(const HttpRequest& request, const Params&) {
  json body;
  try {
    body = json::parse(request.body());
  } catch (const json::exception& e) {
    return json_error(400, "bad request body",
                      fmt::format("the body must be JSON {{\"id\": \"meetup-42\", \"title\": \"...\", \"sources\": "
                                  "[{{\"name\": \"camera\", \"stream\": \"live/cam\"}}]}}: {}",
                                  e.what()));
  }
  auto event = event_from_json(body);
  if (!event) return json_error(400, "bad event", event.error().message());
  auto created = events_.create(std::move(*event));
  if (!created) {
    if (created.error().is(Errc::refused)) return json_error(409, "event exists", created.error().message());
    return json_error(500, "event not saved", created.error().message());
  }
  spdlog::info("API: created event {} with {} source(s)", created->id, created->sources.size());
  return json_response(201, event_json(*created));
}

HttpResponse ControlPlane::delete_event(const HttpRequest&, const Params& params) {
  auto removed = events_.remove(params.at("id"));
  if (!removed) {
    if (removed.error().is(Errc::not_found)) return json_error(404, "event not found", removed.error().message());
    return json_error(500, "events not saved", removed.error().message());
  }
  spdlog::info("API: removed event {}", removed->id);
  return json_response(200, {{"removed", event_json(*removed)}});
}

}  // namespace relaycast::api
