#pragma once
// What a registry knows about the nodes, without locks or I/O (the registries add
// those): the last heartbeat of each, operator drains, viewers sent since the last
// heartbeat. A node whose heartbeats stop is down after `down_after`; one not heard
// from for `forget_after` is dropped from the list.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/node_report.hpp"

namespace relaycast::cluster {

class NodeTable {
public:
  NodeTable(std::chrono::milliseconds down_after, std::chrono::milliseconds forget_after)
      : down_after_(down_after.count()), forget_after_(forget_after.count()) {}

  // A heartbeat received at `now_ms`: the node's figures now include the viewers sent
  // to it before, so the pending count starts again.
  void heartbeat(NodeReport report, int64_t now_ms);
  // The whole table as a shared store has it (Redis): reports with when each was
  // received, and the drained ids. Pending counts of nodes not heard from since stay.
  void replace(std::vector<std::pair<NodeReport, int64_t>> reports, std::set<std::string> drained);
  // false when no node has that id.
  bool set_drained(const std::string& id, bool drained);

  std::vector<NodeView> list(int64_t now_ms) const;
  std::optional<NodeView> find(const std::string& id, int64_t now_ms) const;
  // The balancer's choice (choose_node), counted as pending on the node chosen.
  std::optional<NodeView> pick_for_viewer(int64_t now_ms);
  // The rtmp:// URL of an origin that is up and holds `stream`; the most recently
  // heard one if several do.
  std::optional<std::string> origin_of(const std::string& stream, int64_t now_ms) const;
  // Every stream held by an origin that is up, with its origin's rtmp:// URL.
  std::map<std::string, std::string> stream_origins(int64_t now_ms) const;
  // Drops nodes not heard from for forget_after; their ids.
  std::vector<std::string> forget_stale(int64_t now_ms);
  const std::set<std::string>& drained() const { return drained_; }

private:
  struct Entry {
    NodeReport report;
    int64_t last_seen_ms = 0;
    uint32_t pending = 0;
  };
  NodeView view(const Entry& e, int64_t now_ms) const;

  int64_t down_after_, forget_after_;
  std::map<std::string, Entry> nodes_;
  std::set<std::string> drained_;
};

}  // namespace relaycast::cluster
