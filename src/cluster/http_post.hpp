#pragma once
// One JSON POST to another node's API, with a deadline for the whole exchange, for
// the heartbeat thread (blocking; never on a worker).
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace relaycast::cluster {

struct HttpAnswer {
  unsigned status = 0;
  nlohmann::json body;  // discarded (is_discarded) when not JSON
};

// `base` is "http://host:port[/prefix]"; errors say what failed (Errc::config for a
// bad URL, Errc::closed not reachable, Errc::timeout).
Result<HttpAnswer> post_json(const std::string& base, const std::string& path, const std::string& token,
                             const nlohmann::json& body, std::chrono::milliseconds timeout);

}  // namespace relaycast::cluster
