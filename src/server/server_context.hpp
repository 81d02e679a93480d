#pragma once
// What every session of a server shares: the configuration, the live streams and the
// policies. Owned by Server; sessions hold a reference for their lifetime.
#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "core/config.hpp"
#include "hls/packagers.hpp"
#include "relay/relay.hpp"
#include "server/connection_limiter.hpp"
#include "server/publish_keys.hpp"
#include "stream/stream_registry.hpp"

namespace relaycast {

struct ServerContext {
  explicit ServerContext(Config c);

  const Config config;
  StreamRegistry streams;
  std::shared_ptr<ConnectionLimiter> limiter;
  PublishKeys publish_keys;
  hls::Packagers hls;
  // Edge pulls, forwards and pushes; after `streams` and `hls`, which it uses.
  relay::Relay relay;
  std::atomic<uint64_t> next_session_id{1};
};

// "127.0.0.1:5000" ("[::1]:5000" for IPv6) for logs.
std::string describe(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace relaycast
