#include "cluster/balancer.hpp"

#include <tuple>

namespace relaycast::cluster {

std::optional<size_t> choose_node(const std::vector<NodeView>& nodes) {
  auto eligible = [](const NodeView& n) { return n.state == NodeState::active && n.report.capacity > 0; };
  bool any_edge = false;
  for (const auto& n : nodes) any_edge = any_edge || (eligible(n) && n.report.role == "edge");
  std::optional<size_t> best;
  // Ties (an idle cluster) go to the node with fewer viewers, then by id, so that the
  // choice is the same on every origin that shares the registry.
  auto rank = [](const NodeView& n) { return std::tuple(n.load(), n.report.viewers + n.pending, n.report.id); };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    if (!eligible(n) || (any_edge && n.report.role != "edge")) continue;
    if (!best || rank(n) < rank(nodes[*best])) best = i;
  }
  return best;
}

}  // namespace relaycast::cluster
