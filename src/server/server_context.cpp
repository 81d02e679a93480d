#include "server/server_context.hpp"

#include <fmt/format.h>

#include "server/play_token.hpp"

namespace relaycast {
namespace {

StreamLimits stream_limits(const StreamConfig& c) {
  return {.max_ring_bytes = size_t(c.max_ring_bytes),
          .max_viewer_lag_ms = c.max_viewer_lag_ms,
          .max_skips_per_minute = int(c.max_skips_per_minute)};
}

}  // namespace

ServerContext::ServerContext(Config c)
    : config(std::move(c)),
      streams(stream_limits(config.stream), config.rtmp.chunk_size, config.stream.max_streams),
      limiter(std::make_shared<ConnectionLimiter>(config.server.max_connections, config.server.max_connections_per_ip)),
      publish_keys(config.auth.publish_keys),
      hls(config.hls),
      recorder(config.record, state_directory(config) / "recording_switches"),
      relay(config, streams),
      // Three target durations: a player refreshes its playlist at least once in one.
      hls_viewers(std::chrono::milliseconds(3 * std::max<uint32_t>(config.hls.segment_ms, 2000))),
      hls_plays(std::chrono::milliseconds(3 * std::max<uint32_t>(config.hls.segment_ms, 2000))) {
  relay.set_stream_hook([this](const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor) {
    attach_outputs(stream, executor);
  });
  // An edge shares its origins' play_tokens.secret and signs its own pulls, so that
  // origins that require tokens serve it.
  if (!config.play_tokens.secret.empty())
    relay.set_pull_query([secret = config.play_tokens.secret](const std::string& key) {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      return "token=" + sign_play_token(secret, key, std::chrono::duration_cast<std::chrono::seconds>(now).count() + 300);
    });
}

void ServerContext::attach_outputs(const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor) {
  hls.attach(stream, executor);
  recorder.attach(stream, executor);
}

boost::asio::ip::tcp::endpoint client_endpoint(const ServerContext& server, const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  return server.forwarded.client_of(socket.remote_endpoint(ec));
}

std::string describe(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  if (address.is_v6() && !address.to_v6().is_v4_mapped())
    return fmt::format("[{}]:{}", address.to_string(), endpoint.port());
  const auto v4 = address.is_v6() ? boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
                                  : address.to_v4();
  return fmt::format("{}:{}", v4.to_string(), endpoint.port());
}

}  // namespace relaycast
