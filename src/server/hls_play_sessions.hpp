#pragma once
// HLS viewers as the on_play and on_stop webhooks see them. HLS has no connection per
// viewer (see hls_viewers.hpp), so a viewing session is a viewer ("address
// user-agent") fetching a stream's files with no pause longer than `idle`. Its first
// request asks on_play once; the verdict then holds for every playlist, part and
// segment it fetches; when it has been idle that long it ends (on_stop).
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/stream_hooks.hpp"

namespace relaycast {

class HlsPlaySessions {
public:
  using Clock = std::chrono::steady_clock;
  explicit HlsPlaySessions(std::chrono::milliseconds idle) : idle_(idle) {}

  enum class Step {
    ask,      // the first request of a session: ask on_play, then decide()
    wait,     // another request of the session is asking: wait for its verdict
    decided,  // `verdict` holds
  };
  struct Lookup {
    Step step;
    Admission verdict;
  };
  // One request of `viewer` for `stream`; `client` describes it if a session starts.
  Lookup request(const std::string& stream, const std::string& viewer, const HookClient& client, Clock::time_point now);
  void decide(const std::string& stream, const std::string& viewer, Admission verdict);

  struct Ended {
    HookClient client;
    double duration_s;
  };
  // Forgets sessions idle longer than `idle`; returns those that were playing.
  std::vector<Ended> expire(Clock::time_point now);
  size_t size();

private:
  struct Session {
    bool pending = true;
    Admission verdict;
    Clock::time_point started, last_seen;
    HookClient client;
  };
  void end_locked(Session& s);

  const std::chrono::milliseconds idle_;
  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;  // by stream + '\n' + viewer
  std::vector<Ended> ended_;                            // replaced by a new session before expire() saw them
};

}  // namespace relaycast
