#pragma once
// Where the cluster's nodes, their load and the stream -> origin map are kept. The
// embedded registry lives in one origin's memory; the Redis one shares it among
// several origins. Every call is quick and never waits on the network: a Redis
// registry works on a local copy that its own thread keeps in step with Redis.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node_report.hpp"

namespace relaycast::cluster {

class NodeRegistry {
public:
  virtual ~NodeRegistry() = default;

  virtual void heartbeat(const NodeReport& report) = 0;
  virtual std::vector<NodeView> nodes() const = 0;
  virtual std::optional<NodeView> node(const std::string& id) const = 0;
  // false when no node has that id.
  virtual bool set_drained(const std::string& id, bool drained) = 0;
  // The least-loaded healthy node for one more viewer, counted as sent there.
  virtual std::optional<NodeView> pick_for_viewer() = 0;
  // rtmp://host:port of an origin holding `stream`, if the registry knows one.
  virtual std::optional<std::string> origin_of(const std::string& stream) const = 0;
  virtual std::map<std::string, std::string> stream_origins() const = 0;

  // "embedded" or "redis://host:port".
  virtual std::string describe() const = 0;
  // Empty when working; else why the registry is degraded (Redis not reachable).
  virtual std::string problem() const { return {}; }
};

}  // namespace relaycast::cluster
