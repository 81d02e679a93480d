#include "server/hls_play_sessions.hpp"

namespace relaycast {
namespace {

std::string session_key(const std::string& stream, const std::string& viewer) { return stream + '\n' + viewer; }

double seconds(HlsPlaySessions::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void HlsPlaySessions::end_locked(Session& s) {
  if (!s.pending && s.verdict) ended_.push_back({std::move(s.client), seconds(s.last_seen - s.started)});
}

HlsPlaySessions::Lookup HlsPlaySessions::request(const std::string& stream, const std::string& viewer,
                                                 const HookClient& client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = sessions_.try_emplace(session_key(stream, viewer));
  Session& s = it->second;
  // A verdict that never came (the asking request was cut off) is asked again.
  const bool stale = !inserted && now - s.last_seen > idle_;
  if (stale) end_locked(s);
  if (inserted || stale) {
    s = Session{.pending = true, .verdict = {}, .started = now, .last_seen = now, .client = client};
    return {Step::ask, {}};
  }
  s.last_seen = now;
  if (s.pending) return {Step::wait, {}};
  return {Step::decided, s.verdict};
}

void HlsPlaySessions::decide(const std::string& stream, const std::string& viewer, Admission verdict) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session_key(stream, viewer));
  if (it == sessions_.end()) return;
  it->second.pending = false;
  it->second.verdict = std::move(verdict);
}

std::vector<HlsPlaySessions::Ended> HlsPlaySessions::expire(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_seen <= idle_) {
      ++it;
      continue;
    }
    end_locked(it->second);
    it = sessions_.erase(it);
  }
  return std::exchange(ended_, {});
}

size_t HlsPlaySessions::size() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace relaycast
