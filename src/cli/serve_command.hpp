#pragma once
#include <optional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace relaycast {

struct ServeOptions {
  std::string config_file;
  std::optional<uint16_t> rtmp_port, http_port;
  std::optional<std::string> bind, log_level;
  std::optional<int> workers;
  bool demo = false;
  std::optional<std::string> role;
  std::vector<std::string> origins;
};

void add_serve_command(CLI::App& app, ServeOptions& options);
int run_serve(const ServeOptions& options);

}  // namespace relaycast
