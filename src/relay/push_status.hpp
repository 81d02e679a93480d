#pragma once
// What the control plane shows of one push (restream to another server, or an edge
// forwarding a publish to an origin).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace relaycast::relay {

enum class PushState {
  connecting,  // connecting / handshaking / waiting for NetStream.Publish.Start
  pushing,     // media flows
  retrying,    // waiting before the next attempt (backoff)
  stopped,     // the source stream ended; the push is over
};

inline std::string_view to_string(PushState s) {
  switch (s) {
    case PushState::connecting: return "connecting";
    case PushState::pushing: return "pushing";
    case PushState::retrying: return "retrying";
    case PushState::stopped: return "stopped";
  }
  return "unknown";
}

struct PushStatus {
  uint64_t id = 0;          // unique while the process runs
  uint64_t rule = 0;        // the push rule that started it (Relay::push_rules); 0: an edge's forward
  std::string stream;       // the local stream pushed: "live/cam"
  std::string url;          // where to, stream key hidden (RtmpUrl::redacted)
  bool forward = false;     // an edge forwarding a publish to its origins (url: the current one)
  PushState state = PushState::connecting;
  std::chrono::system_clock::time_point since{};  // when it entered `state`
  uint64_t bytes = 0;       // sent over every connection of this push
  uint32_t connections = 0; // connections that reached Publish.Start
  uint32_t failures = 0;    // attempts that failed or broke (each is followed by a reconnect)
  std::string last_error;   // why the last connection failed or ended; empty if none did
};

}  // namespace relaycast::relay
