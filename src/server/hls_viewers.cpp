#include "server/hls_viewers.hpp"

namespace relaycast {

void HlsViewers::prune_locked(std::unordered_map<std::string, Clock::time_point>& clients, Clock::time_point now) {
  std::erase_if(clients, [&](const auto& c) { return now - c.second > window_; });
}

void HlsViewers::seen(const std::string& stream, const std::string& client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& s = streams_[stream];
  s.clients[client] = now;
  // Bounded by the clients of one window: the departed are dropped once per window.
  if (now - s.pruned > window_) {
    prune_locked(s.clients, now);
    s.pruned = now;
  }
}

std::map<std::string, size_t> HlsViewers::counts(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::map<std::string, size_t> out;
  for (auto it = streams_.begin(); it != streams_.end();) {
    prune_locked(it->second.clients, now);
    if (it->second.clients.empty()) {
      it = streams_.erase(it);
      continue;
    }
    out[it->first] = it->second.clients.size();
    ++it;
  }
  return out;
}

}  // namespace relaycast
