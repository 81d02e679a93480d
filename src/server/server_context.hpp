#pragma once
// What every session of a server shares: the configuration, the live streams and the
// policies. Owned by Server; sessions hold a reference for their lifetime.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "core/config.hpp"
#include "hls/packagers.hpp"
#include "record/recorder.hpp"
#include "relay/relay.hpp"
#include "server/connection_limiter.hpp"
#include "server/forwarded_peers.hpp"
#include "server/hls_play_sessions.hpp"
#include "server/hls_viewers.hpp"
#include "server/http_extension.hpp"
#include "server/play_redirector.hpp"
#include "server/publish_keys.hpp"
#include "server/refusals.hpp"
#include "server/session_registry.hpp"
#include "server/stream_hooks.hpp"
#include "stream/stream_registry.hpp"

namespace relaycast {

struct ServerContext {
  explicit ServerContext(Config c);

  const Config config;
  StreamRegistry streams;
  std::shared_ptr<ConnectionLimiter> limiter;
  PublishKeys publish_keys;
  hls::Packagers hls;
  record::Recorder recorder;
  // Edge pulls, forwards and pushes; after `streams` and `hls`, which it uses.
  relay::Relay relay;
  std::atomic<uint64_t> next_session_id{1};

  // What every live stream feeds besides its viewers (HLS, recording), on the
  // publisher's executor. Called once per publish, local or pulled.
  void attach_outputs(const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor);

  // For the control plane (src/api): who is connected, what was refused, HLS viewers.
  SessionRegistry sessions;
  ForwardedPeers forwarded;
  RefusalCounters refusals;
  HlsViewers hls_viewers;
  const std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
  // Set before the server starts (Server::set_http_extension); null: media routes only.
  HttpExtension* http_extension = nullptr;
  // Set before the server starts (Server::set_stream_hooks); null: no webhooks.
  StreamHooks* hooks = nullptr;
  // HLS viewers as on_play/on_stop see them (used only with hooks).
  HlsPlaySessions hls_plays;
  // Set before the server starts (Server::set_play_redirector); null: RTMP players of
  // the balancer app are refused, with the reason.
  PlayRedirector* play_redirector = nullptr;
};

// The client at the other end of `socket`: its remote endpoint, or the client behind
// it when the connection comes from our own TLS terminator.
boost::asio::ip::tcp::endpoint client_endpoint(const ServerContext& server, const boost::asio::ip::tcp::socket& socket);

// "127.0.0.1:5000" ("[::1]:5000" for IPv6) for logs.
std::string describe(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace relaycast
