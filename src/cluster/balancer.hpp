#pragma once
// The balancer's choice, a pure function of what the registry knows: the least-loaded
// healthy node relative to its capacity. Down and draining nodes, and nodes with no
// capacity, get no new viewers. Edges are preferred when any can take the viewer: an
// origin serves viewers itself only in a cluster without a healthy edge.
#include <optional>
#include <vector>

#include "cluster/node_report.hpp"

namespace relaycast::cluster {

// Index into `nodes` of the node to send the next viewer to; nullopt when none may.
std::optional<size_t> choose_node(const std::vector<NodeView>& nodes);

}  // namespace relaycast::cluster
