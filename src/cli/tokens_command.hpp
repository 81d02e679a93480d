#pragma once
// relaycast tokens sign APP/NAME [--ttl 2h] [--base-url URL] [--rtmp-url URL]
//                                [--secret S | --config FILE] [--server URL --token T] [--json]
// Prints play URLs (RTMP, HTTP-FLV, HLS, LL-HLS) carrying a signed play token. With
// --secret or --config it signs locally with that secret (play_tokens.secret); else it
// asks the server (POST /api/v1/tokens), which signs with its own.
#include <cstdint>
#include <functional>
#include <string>

#include <CLI/App.hpp>

#include "cli/client_commands.hpp"

namespace relaycast::cli {

struct TokenOptions {
  int64_t ttl_s = 3600;
  std::string base_url, rtmp_url;
  std::string secret, config_file;
};

void add_tokens_command(CLI::App& app, ClientOptions& client, TokenOptions& options, std::function<int()>& run);

}  // namespace relaycast::cli
