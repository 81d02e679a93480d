#pragma once
// The registry in the origin's memory: the default, enough for one origin and its edges.
#include <chrono>
#include <mutex>

#include "cluster/node_registry.hpp"
#include "cluster/node_table.hpp"

namespace relaycast::cluster {

class EmbeddedRegistry : public NodeRegistry {
public:
  explicit EmbeddedRegistry(std::chrono::milliseconds down_after);

  void heartbeat(const NodeReport& report) override;
  std::vector<NodeView> nodes() const override;
  std::optional<NodeView> node(const std::string& id) const override;
  bool set_drained(const std::string& id, bool drained) override;
  std::optional<NodeView> pick_for_viewer() override;
  std::optional<std::string> origin_of(const std::string& stream) const override;
  std::map<std::string, std::string> stream_origins() const override;
  std::string describe() const override { return "embedded"; }

private:
  mutable std::mutex mutex_;
  mutable NodeTable table_;
};

}  // namespace relaycast::cluster
