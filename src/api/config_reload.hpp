#pragma once
// What a reload can change in a running server, and what needs a restart. Applied
// live: server.log_level, server.max_connections, server.max_connections_per_ip,
// auth.publish_keys, [health], api.token, metrics.auth. Everything else (ports,
// workers, ring sizes, HLS timing, ...) is read once at start.
#include <string>
#include <vector>

#include "core/config.hpp"

namespace relaycast::api {

struct ReloadPlan {
  std::vector<std::string> applied;        // "server.log_level: info -> debug"
  std::vector<std::string> needs_restart;  // "[rtmp]", "server.bind"
};

ReloadPlan plan_reload(const Config& running, const Config& loaded);
// `running` with the live settings of `loaded`: what the server runs on after a reload.
Config apply_live_settings(const Config& running, const Config& loaded);

}  // namespace relaycast::api
