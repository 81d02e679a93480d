#pragma once
#include <optional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

#include "core/config.hpp"

namespace relaycast {

struct ServeOptions {
  std::string config_file;
  std::optional<uint16_t> rtmp_port, http_port, srt_port;
  std::optional<std::string> bind, log_level;
  std::optional<int> workers;
  bool demo = false;
  std::optional<std::string> role;
  std::vector<std::string> origins;
};

void add_serve_command(CLI::App& app, ServeOptions& options);
int run_serve(const ServeOptions& options);
// The configuration `serve` runs on: the file (if any), then the flags over it.
Result<Config> load_serve_config(const ServeOptions& options);

}  // namespace relaycast
