#pragma once
// Watches the node once a second, on worker 0: feeds every live stream's
// HealthClassifier with what its StreamStats collected, logs each health change once,
// counts the changes, keeps a stream that stopped listed as offline for
// health.offline_linger_ms, and turns counters into rates (ingress/egress bit/s, CPU
// share). The API and /metrics read what it keeps; nothing here is on the media path.
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/process_stats.hpp"
#include "server/server_context.hpp"
#include "stream/stream_health.hpp"

namespace relaycast::api {

struct ViewerCounts {
  uint64_t rtmp = 0, flv = 0, hls = 0, srt = 0;
  uint64_t total() const { return rtmp + flv + hls + srt; }
};

// One stream as the API shows it.
struct StreamView {
  std::string key;
  bool live = false;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  double uptime_s = 0;
  std::optional<ClientInfo> publisher;
  std::string publisher_protocol;
  std::optional<VideoInfo> video;
  std::optional<AudioInfo> audio;
  std::optional<int64_t> keyframe_interval_ms;
  uint64_t bytes_in = 0, packets_in = 0, frames_dropped = 0;
  HealthReport health;
  std::chrono::system_clock::time_point health_since;
  ViewerCounts viewers;
};

struct NodeFigures {
  double ingress_bps = 0, egress_bps = 0;
  double cpu_percent = 0;  // of one core, over the last second
  ProcessStats process;
  uint64_t bytes_in = 0, bytes_out = 0;
};

class StreamMonitor {
public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kInterval{1000};

  StreamMonitor(ServerContext& server, boost::asio::io_context& context, HealthConfig config);

  void start();
  void stop();
  void set_config(const HealthConfig& config);
  // One round: what the timer does every kInterval. Public for tests.
  void tick(Clock::time_point now);

  // Live streams and those that stopped within the linger time, by key.
  std::vector<StreamView> streams() const;
  std::optional<StreamView> stream(const std::string& key) const;
  NodeFigures node() const;
  // Transitions into each state since the start.
  uint64_t health_changes(HealthState state) const;

private:
  struct Tracked {
    std::shared_ptr<Stream> stream;  // null once it ended
    std::optional<HealthClassifier> classifier;
    std::chrono::system_clock::time_point started_at;
    std::optional<Clock::time_point> ended_at;
    std::optional<std::chrono::system_clock::time_point> ended_at_wall;
    StreamView last;  // the figures of the last round, what an ended stream shows
  };
  void schedule();
  void observe(Tracked& t, const std::string& key, bool ended, Clock::time_point now);
  StreamView view_locked(const Tracked& t, const std::map<std::string, size_t>& hls,
                         const std::vector<ClientInfo>& clients) const;

  ServerContext& server_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;

  mutable std::mutex mutex_;
  HealthConfig config_;
  // Mutable: a reader that finds a stream the last round did not see starts tracking
  // it, so that a stream shorter than a round is still listed when it stops.
  mutable std::map<std::string, Tracked> tracked_;
  std::array<uint64_t, 3> changes_{};
  NodeFigures node_;
  std::optional<Clock::time_point> last_tick_;
};

std::chrono::system_clock::time_point to_system(std::chrono::steady_clock::time_point t);

}  // namespace relaycast::api
