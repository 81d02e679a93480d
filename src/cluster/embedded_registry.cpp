#include "cluster/embedded_registry.hpp"

#include <algorithm>

namespace relaycast::cluster {

// A node gone for a minute (or 12 down bounds) is no longer listed.
EmbeddedRegistry::EmbeddedRegistry(std::chrono::milliseconds down_after)
    : table_(down_after, std::max(std::chrono::milliseconds(60000), down_after * 12)) {}

void EmbeddedRegistry::heartbeat(const NodeReport& report) {
  std::lock_guard lock(mutex_);
  const auto now = wall_clock_ms();
  table_.forget_stale(now);
  table_.heartbeat(report, now);
}

std::vector<NodeView> EmbeddedRegistry::nodes() const {
  std::lock_guard lock(mutex_);
  return table_.list(wall_clock_ms());
}

std::optional<NodeView> EmbeddedRegistry::node(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return table_.find(id, wall_clock_ms());
}

bool EmbeddedRegistry::set_drained(const std::string& id, bool drained) {
  std::lock_guard lock(mutex_);
  return table_.set_drained(id, drained);
}

std::optional<NodeView> EmbeddedRegistry::pick_for_viewer() {
  std::lock_guard lock(mutex_);
  return table_.pick_for_viewer(wall_clock_ms());
}

std::optional<std::string> EmbeddedRegistry::origin_of(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  return table_.origin_of(stream, wall_clock_ms());
}

std::map<std::string, std::string> EmbeddedRegistry::stream_origins() const {
  std::lock_guard lock(mutex_);
  return table_.stream_origins(wall_clock_ms());
}

}  // namespace relaycast::cluster
