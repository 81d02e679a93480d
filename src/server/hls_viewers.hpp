#pragma once
// HLS has no connection per viewer: a player fetches a playlist and segments every
// few seconds, over connections it may reuse or not. A viewer is estimated as a
// distinct (address, User-Agent) that fetched a playlist or segment of the stream
// within the last `window` (three target durations: a player refreshes its playlist
// at least once per target duration). Viewers behind one NAT with the same browser
// count as one; a player that stops is still counted until the window passes.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace relaycast {

class HlsViewers {
public:
  using Clock = std::chrono::steady_clock;
  explicit HlsViewers(std::chrono::milliseconds window) : window_(window) {}

  void seen(const std::string& stream, const std::string& client, Clock::time_point now);
  // Viewers per stream key; streams without any are left out.
  std::map<std::string, size_t> counts(Clock::time_point now);

private:
  void prune_locked(std::unordered_map<std::string, Clock::time_point>& clients, Clock::time_point now);

  const std::chrono::milliseconds window_;
  std::mutex mutex_;
  struct PerStream {
    std::unordered_map<std::string, Clock::time_point> clients;
    Clock::time_point pruned{};
  };
  std::unordered_map<std::string, PerStream> streams_;
};

}  // namespace relaycast
