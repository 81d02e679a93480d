#pragma once
// One stream an edge pulls from its origins (DESIGN.md, Cluster): plays it from the
// first origin that has it into a local Stream, which viewers then read as if it had
// been published here. When that origin breaks or stalls, the next one is tried
// (backoff with jitter, bounded) while the same Stream carries on, its timeline
// spliced (TimelineSplice) so viewers stay connected and resume at the next keyframe.
// With no viewers for the idle timeout, the pull stops and the Stream ends.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "relay/rtmp_client.hpp"
#include "relay/rtmp_url.hpp"
#include "relay/timeline_splice.hpp"
#include "stream/stream_registry.hpp"
#include "stream/stream_waiter.hpp"

namespace relaycast::relay {

// Called when a pulled stream goes live here, on its executor: what any publish gets
// (the HLS packager).
using StreamHook = std::function<void(const std::shared_ptr<Stream>&, boost::asio::any_io_executor)>;

struct PullOptions {
  std::vector<RtmpUrl> origins;
  RtmpClientOptions client;
  std::chrono::milliseconds stall_timeout{3000};
  std::chrono::milliseconds idle_timeout{30000};
  uint32_t backoff_min_ms = 250;
  uint32_t backoff_max_ms = 5000;
  uint32_t max_attempts = 8;
  std::chrono::milliseconds write_batch{20};
  // Subscriptions of a Stream that are not viewers (the HLS packager's).
  uint32_t internal_viewers = 0;
  // The query of each play request to an origin ("token=..." when origins require
  // signed play tokens); unset or empty: none.
  std::function<std::string(const std::string& key)> play_query;
};

class EdgePull : public std::enable_shared_from_this<EdgePull> {
public:
  // `located`: an origin the registry says holds the stream, tried before the others.
  EdgePull(std::string key, const PullOptions& options, StreamRegistry& streams, StreamHook on_live,
           std::function<void(const EdgePull*)> on_finished, std::optional<RtmpUrl> located = std::nullopt);

  // Runs until the pull stops; spawn once.
  boost::asio::awaitable<void> run(boost::asio::any_io_executor executor);
  // The local Stream once it is live, or null if the pull failed or `deadline` passed.
  boost::asio::awaitable<std::shared_ptr<Stream>> wait_live(boost::asio::any_io_executor executor,
                                                            std::chrono::steady_clock::time_point deadline);
  // A viewer asked for the stream (an HLS request): it is not idle.
  void touch();
  bool finished() const;
  const std::string& key() const { return key_; }

private:
  enum class State { pending, live, finished };

  boost::asio::awaitable<Result<void>> pull_once(boost::asio::any_io_executor executor, const RtmpUrl& origin,
                                                 bool& got_media);
  boost::asio::awaitable<void> watch_idle(boost::asio::any_io_executor executor);
  Result<void> go_live(const RtmpUrl& origin, boost::asio::any_io_executor executor);
  void set_state(State state);

  const std::string key_;
  std::string app_, name_;
  const PullOptions& options_;
  std::vector<RtmpUrl> origins_;  // in the order they are tried
  StreamRegistry& streams_;
  StreamHook on_live_;
  std::function<void(const EdgePull*)> on_finished_;

  mutable std::mutex mutex_;
  State state_ = State::pending;
  std::shared_ptr<Stream> stream_;
  std::vector<std::shared_ptr<StreamWaiter>> waiters_;
  std::atomic<int64_t> last_activity_{0};  // steady_clock ticks

  // Only touched on the pull's executor.
  std::shared_ptr<RtmpClient> client_;
  bool stopping_ = false;
  TimelineSplice splice_;
};

}  // namespace relaycast::relay
