#pragma once
// A new edge in one command:
//   relaycast nodes join-command [--ttl 1h] [--node-id ID] [--origin URL]... [--heartbeat-url URL]...
//                                [--cloud-init | --json]
//       on the origin (a client of POST /api/v1/nodes/join-tokens): prints the command
//       that makes a fresh machine an edge of this cluster;
//   relaycast join BUNDLE [--config /etc/relaycast/relaycast.toml] [--node-id ID] [--public-host HOST]
//       on the new machine (the printed command): writes conf.d/join.toml next to the
//       config file (cluster/join_drop_in.hpp). Root runs it, not the service.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

#include "cli/client_commands.hpp"

namespace relaycast::cli {

struct JoinOptions {
  // nodes join-command
  int64_t ttl_s = 3600;
  std::string node_id;
  std::vector<std::string> origins, heartbeat_urls;
  bool cloud_init = false;
  // join
  std::string bundle;
  std::string token;
  std::string config_file = "/etc/relaycast/relaycast.toml";
  std::string public_host;
};

// After add_client_commands: join-command goes under its `nodes`.
void add_join_commands(CLI::App& app, ClientOptions& client, JoinOptions& options, std::function<int()>& run);

}  // namespace relaycast::cli
