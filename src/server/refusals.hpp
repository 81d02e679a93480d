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
};
inline constexpr size_t kRefusalKinds = 9;

constexpr std::string_view to_string(Refusal r) {
  constexpr std::array<std::string_view, kRefusalKinds> names = {
      "max_connections", "max_connections_per_ip", "max_streams",      "stream_busy",
      "stream_key",      "bad_stream_name",        "stream_not_found", "api_unauthorized",
      "edge_publish"};
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
