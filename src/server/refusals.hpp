#pragma once
// Connections and requests refused, by reason, for the metrics. Counted where the
// refusal is decided; read by the API.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace relaycast {

enum class Refusal : uint8_t {
  max_connections,         // server.max_connections
  max_connections_per_ip,  // server.max_connections_per_ip
  max_streams,             // stream.max_streams
  stream_busy,             // a second publisher of a live stream
  stream_key,              // a missing or wrong stream key
  bad_stream_name,         // a name outside the safe alphabet
  stream_not_found,        // play of a stream that is not live
  api_unauthorized,        // an API request without the right token, or not from loopback
  edge_publish,            // a publish to an edge with cluster.forward_publish = false
  webhook_denied,          // on_publish/on_play answered other than 2xx
  webhook_unavailable,     // on_publish/on_play timed out or failed, with webhooks.failure_policy = "deny"
  play_token_missing,      // play_tokens.required and no ?token=
  play_token_malformed,    // a token that is not <expiry>.<64 hex digits>
  play_token_expired,      // a well-signed token past its expiry
  play_token_forged,       // a signature that does not match the stream and expiry (wrong secret, edited URL)
};
inline constexpr size_t kRefusalKinds = 15;

constexpr std::string_view to_string(Refusal r) {
  constexpr std::array<std::string_view, kRefusalKinds> names = {
      "max_connections", "max_connections_per_ip", "max_streams",      "stream_busy",
      "stream_key",      "bad_stream_name",        "stream_not_found", "api_unauthorized",
      "edge_publish",    "webhook_denied",         "webhook_unavailable", "play_token_missing",
      "play_token_malformed", "play_token_expired", "play_token_forged"};
  return names[size_t(r)];
}

class RefusalCounters {
public:
  void count(Refusal r) { counts_[size_t(r)].fetch_add(1, std::memory_order_relaxed); }
  uint64_t get(Refusal r) const { return counts_[size_t(r)].load(std::memory_order_relaxed); }

private:
  std::array<std::atomic<uint64_t>, kRefusalKinds> counts_{};
};

}  // namespace relaycast
