// /api/v1/log/recent: refusals, health changes, kicks and warnings (api/recent_log.hpp).
#include <charconv>

#include "api/control_plane.hpp"

namespace relaycast::api {
using nlohmann::json;

namespace {

std::optional<uint64_t> whole_number(const std::string& text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

HttpResponse ControlPlane::get_recent_log(const HttpRequest& request, const Params&) {
  const std::string_view target(request.target().data(), request.target().size());
  const auto q = target.find('?');
  const std::string query(q == std::string_view::npos ? "" : target.substr(q + 1));
  uint64_t after = 0, limit = 100;
  for (auto [name, value] : {std::pair{"after", &after}, std::pair{"limit", &limit}}) {
    const auto text = query_param(query, name);
    if (text.empty()) continue;
    const auto n = whole_number(text);
    if (!n) return json_error(400, "bad query", fmt::format("{}={} is not a whole number", name, text));
    *value = *n;
  }
  json entries = json::array();
  for (const auto& e : recent_log_->entries(after, limit))
    entries.push_back({{"seq", e.seq}, {"time", e.time}, {"level", e.level}, {"kind", e.kind}, {"message", e.message}});
  return json_response(200, {{"entries", entries}});
}

}  // namespace relaycast::api
