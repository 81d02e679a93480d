#include "cluster/node_table.hpp"

#include <algorithm>

#include "cluster/balancer.hpp"

namespace relaycast::cluster {

void NodeTable::heartbeat(NodeReport report, int64_t now_ms) {
  auto& e = nodes_[report.id];
  e.report = std::move(report);
  e.last_seen_ms = std::max(e.last_seen_ms, now_ms);
  e.pending = 0;
}

void NodeTable::replace(std::vector<std::pair<NodeReport, int64_t>> reports, std::set<std::string> drained) {
  std::map<std::string, Entry> next;
  for (auto& [report, seen] : reports) {
    Entry e{std::move(report), seen, 0};
    if (auto old = nodes_.find(e.report.id); old != nodes_.end()) {
      // Our own view may be newer than the store's (a heartbeat not written yet).
      if (old->second.last_seen_ms > e.last_seen_ms) e = old->second;
      else if (old->second.last_seen_ms == e.last_seen_ms) e.pending = old->second.pending;
    }
    next[e.report.id] = std::move(e);
  }
  nodes_ = std::move(next);
  drained_ = std::move(drained);
}

bool NodeTable::set_drained(const std::string& id, bool drained) {
  if (!nodes_.contains(id)) return false;
  if (drained) drained_.insert(id);
  else drained_.erase(id);
  return true;
}

NodeView NodeTable::view(const Entry& e, int64_t now_ms) const {
  NodeView v{e.report, e.last_seen_ms, drained_.contains(e.report.id), e.pending, NodeState::active};
  if (now_ms - e.last_seen_ms > down_after_) v.state = NodeState::down;
  else if (v.drained || e.report.draining) v.state = NodeState::draining;
  return v;
}

std::vector<NodeView> NodeTable::list(int64_t now_ms) const {
  std::vector<NodeView> out;
  for (const auto& [id, e] : nodes_) out.push_back(view(e, now_ms));
  return out;
}

std::optional<NodeView> NodeTable::find(const std::string& id, int64_t now_ms) const {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return std::nullopt;
  return view(it->second, now_ms);
}

std::optional<NodeView> NodeTable::pick_for_viewer(int64_t now_ms) {
  const auto views = list(now_ms);
  const auto chosen = choose_node(views);
  if (!chosen) return std::nullopt;
  auto& e = nodes_.at(views[*chosen].report.id);
  ++e.pending;
  return view(e, now_ms);
}

std::optional<std::string> NodeTable::origin_of(const std::string& stream, int64_t now_ms) const {
  const Entry* best = nullptr;
  for (const auto& [id, e] : nodes_) {
    if (e.report.role != "origin" || now_ms - e.last_seen_ms > down_after_ || e.report.rtmp_url.empty()) continue;
    if (std::find(e.report.streams.begin(), e.report.streams.end(), stream) == e.report.streams.end()) continue;
    if (!best || e.last_seen_ms > best->last_seen_ms) best = &e;
  }
  if (!best) return std::nullopt;
  return best->report.rtmp_url;
}

std::map<std::string, std::string> NodeTable::stream_origins(int64_t now_ms) const {
  std::map<std::string, std::string> out;
  for (const auto& [id, e] : nodes_) {
    if (e.report.role != "origin" || now_ms - e.last_seen_ms > down_after_ || e.report.rtmp_url.empty()) continue;
    for (const auto& s : e.report.streams) out.emplace(s, e.report.rtmp_url);
  }
  return out;
}

std::vector<std::string> NodeTable::forget_stale(int64_t now_ms) {
  std::vector<std::string> gone;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (now_ms - it->second.last_seen_ms > forget_after_) {
      gone.push_back(it->first);
      drained_.erase(it->first);
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

}  // namespace relaycast::cluster
