#pragma once
// Pushes one local Stream to a list of RTMP URLs (one for a restream, an edge's
// origins for a forwarded publish) until the stream ends: the first that accepts the
// publish gets it; a broken connection is retried on the next URL after a backoff.
// A new connection starts at the stream's newest keyframe, with its configuration.
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/config.hpp"
#include "relay/push_status.hpp"
#include "relay/rtmp_client.hpp"
#include "relay/rtmp_url.hpp"
#include "stream/stream.hpp"
#include "stream/subscription.hpp"

namespace relaycast::relay {

struct PushOptions {
  RtmpClientOptions client;
  std::chrono::milliseconds send_timeout{10000};
  uint32_t backoff_min_ms = 250;
  uint32_t backoff_max_ms = 5000;
};

class PushTask : public std::enable_shared_from_this<PushTask> {
public:
  PushTask(uint64_t id, std::shared_ptr<Stream> stream, std::vector<RtmpUrl> targets, bool forward,
           PushOptions options, uint64_t rule = 0);

  // Runs until the stream ends; spawn it on the stream publisher's executor.
  boost::asio::awaitable<void> run(boost::asio::any_io_executor executor);

  PushStatus status() const;
  bool done() const;
  // Ends the push (its rule was removed): from any thread; the connection closes and
  // the state becomes stopped.
  void stop();

private:
  // One connection: returns why it ended (the stream's end is not an error).
  boost::asio::awaitable<Result<void>> push_once(boost::asio::any_io_executor executor, const RtmpUrl& target);
  void set_state(PushState state, const RtmpUrl* target = nullptr);
  void set_error(const std::string& error);

  const std::shared_ptr<Stream> stream_;
  const std::vector<RtmpUrl> targets_;
  const PushOptions options_;
  mutable std::mutex mutex_;
  PushStatus status_;
  // Set in run(); what stop() interrupts, only touched on that executor.
  std::optional<boost::asio::any_io_executor> executor_;
  bool stopping_ = false;
  std::shared_ptr<RtmpClient> client_;
  std::shared_ptr<Subscription> subscription_;
  boost::asio::steady_timer* pause_ = nullptr;
};

}  // namespace relaycast::relay
