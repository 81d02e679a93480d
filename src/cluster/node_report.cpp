#include "cluster/node_report.hpp"

#include <chrono>
#include <cmath>
#include <limits>

namespace relaycast::cluster {
using nlohmann::json;

std::string_view to_string(NodeState s) {
  switch (s) {
    case NodeState::active: return "active";
    case NodeState::draining: return "draining";
    case NodeState::down: return "down";
  }
  return "unknown";
}

double NodeView::load() const {
  if (report.capacity == 0) return std::numeric_limits<double>::infinity();
  return double(report.viewers + pending) / double(report.capacity);
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json report_json(const NodeReport& r) {
  return {{"id", r.id},
          {"role", r.role},
          {"draining", r.draining},
          {"rtmp_url", r.rtmp_url},
          {"http_url", r.http_url},
          {"viewers", r.viewers},
          {"egress_bps", std::round(r.egress_bps)},
          {"cpu_percent", std::round(r.cpu_percent * 10) / 10},
          {"capacity", r.capacity},
          {"streams", r.streams},
          {"version", r.version}};
}

Result<NodeReport> parse_report(const json& j) {
  if (!j.is_object()) return fail(Errc::malformed, "a heartbeat is a JSON object");
  NodeReport r;
  auto text = [&](const char* name, std::string& field, bool required) -> Result<void> {
    if (!j.contains(name)) {
      if (required) return fail(Errc::malformed, "heartbeat without \"{}\"", name);
      return {};
    }
    if (!j[name].is_string()) return fail(Errc::malformed, "heartbeat: \"{}\" must be a string", name);
    field = j[name].get<std::string>();
    return {};
  };
  auto number = [&](const char* name, auto& field) -> Result<void> {
    if (!j.contains(name)) return {};
    if (!j[name].is_number() || j[name].get<double>() < 0)
      return fail(Errc::malformed, "heartbeat: \"{}\" must be a number of at least 0", name);
    field = j[name].get<std::decay_t<decltype(field)>>();
    return {};
  };
  for (auto ok : {text("id", r.id, true), text("role", r.role, false), text("rtmp_url", r.rtmp_url, false),
                  text("http_url", r.http_url, false), text("version", r.version, false),
                  number("viewers", r.viewers), number("egress_bps", r.egress_bps),
                  number("cpu_percent", r.cpu_percent), number("capacity", r.capacity)})
    if (!ok) return std::unexpected(ok.error());
  if (r.id.empty() || r.id.size() > 200) return fail(Errc::malformed, "heartbeat: \"id\" must be 1 to 200 characters");
  if (r.role != "origin" && r.role != "edge")
    return fail(Errc::malformed, "heartbeat from {}: role \"{}\" is not origin or edge", r.id, r.role);
  if (j.contains("draining")) {
    if (!j["draining"].is_boolean()) return fail(Errc::malformed, "heartbeat: \"draining\" must be true or false");
    r.draining = j["draining"].get<bool>();
  }
  if (j.contains("streams")) {
    if (!j["streams"].is_array()) return fail(Errc::malformed, "heartbeat: \"streams\" must be an array of \"app/name\"");
    for (const auto& s : j["streams"]) {
      if (!s.is_string()) return fail(Errc::malformed, "heartbeat: \"streams\" must be an array of \"app/name\"");
      r.streams.push_back(s.get<std::string>());
    }
  }
  return r;
}

json view_json(const NodeView& v, int64_t now_ms) {
  json j = report_json(v.report);
  j["state"] = to_string(v.state);
  j["drained"] = v.drained;
  j["pending"] = v.pending;
  j["last_seen_ms_ago"] = std::max<int64_t>(0, now_ms - v.last_seen_ms);
  const double load = v.load();
  j["load"] = std::isfinite(load) ? json(std::round(load * 1000) / 1000) : json(nullptr);
  return j;
}

}  // namespace relaycast::cluster
