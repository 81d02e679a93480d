#pragma once
// The HLS channels of a node by stream key. A channel outlives its publish session for
// a while (hls.linger_ms), so a publisher that reconnects continues the same playlist
// after an EXT-X-DISCONTINUITY instead of breaking every player.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>

#include "core/config.hpp"
#include "hls/channel.hpp"
#include "stream/stream.hpp"

namespace relaycast::hls {

class Packagers {
public:
  explicit Packagers(HlsConfig config);

  // Packages `stream` as one more subscriber of it, on `executor` (the publisher's, so
  // packaging costs no cross-thread hand-off).
  void attach(const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor);
  std::shared_ptr<Channel> find(const std::string& key);

private:
  void forget_expired_locked();

  const HlsConfig config_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Channel>> channels_;
};

}  // namespace relaycast::hls
