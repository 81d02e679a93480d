#pragma once
// What a node tells the registry about itself in each heartbeat, and what the
// registry makes of it (NodeView): whether it is up, draining or down, and how loaded
// relative to its capacity. Times are wall-clock milliseconds since the epoch, so that
// several origins sharing a Redis registry agree on them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace relaycast::cluster {

struct NodeReport {
  std::string id;
  std::string role = "origin";  // "origin" or "edge"
  bool draining = false;        // the node itself says it takes no new viewers
  std::string rtmp_url;         // rtmp://host:port, where RTMP viewers (and edges) connect
  std::string http_url;         // http://host:port, where HTTP viewers go
  uint64_t viewers = 0;
  double egress_bps = 0;
  double cpu_percent = 0;       // of one core
  uint32_t capacity = 0;        // viewers it is sized for
  std::vector<std::string> streams;  // published here ("app/name"), not pulled: what an origin holds
  std::string version;
};

enum class NodeState { active, draining, down };
std::string_view to_string(NodeState s);

struct NodeView {
  NodeReport report;
  int64_t last_seen_ms = 0;
  bool drained = false;   // an operator drained it (POST /api/v1/nodes/{id}/drain)
  uint32_t pending = 0;   // viewers sent to it since its last heartbeat (not counted by it yet)
  NodeState state = NodeState::active;

  // (viewers + pending) / capacity; infinite for a node with no capacity.
  double load() const;
};

nlohmann::json report_json(const NodeReport& r);
// The errors say which field is missing or of the wrong type.
Result<NodeReport> parse_report(const nlohmann::json& j);
nlohmann::json view_json(const NodeView& v, int64_t now_ms);

int64_t wall_clock_ms();

}  // namespace relaycast::cluster
