#pragma once
// The operator's commands, each a client of the server's REST API:
//   relaycast status
//   relaycast streams ls | show APP/NAME | kick APP/NAME
//   relaycast clients ls | kick ID
//   relaycast keys ls | add APP/NAME [--key K] | rm APP/NAME [--key K]
//   relaycast reload
//   relaycast nodes ls | drain ID | undrain ID          (cluster_commands.cpp)
//   relaycast pushes ls | add APP[/NAME] URL | rm ID
// A table for people by default, the API's JSON with --json; --server and --token
// (or RELAYCAST_SERVER, RELAYCAST_TOKEN) say where and as whom.
#include <functional>
#include <optional>
#include <string>

#include <CLI/App.hpp>

#include "cli/api_client.hpp"

namespace relaycast::cli {

struct ClientOptions {
  ApiTarget target;
  bool json = false;
  std::string stream;  // APP/NAME
  uint64_t client_id = 0;
  std::string key;
  std::string node;      // a node id
  std::string push_url;  // rtmp://...
  uint64_t push_id = 0;
};

// For the command files: the options every command has (--server, --token, --json),
// and one API call whose answer is printed by `print` (or as JSON with --json); the
// exit code.
void add_common_options(CLI::App* command, ClientOptions& options);
int call_and_print(const ClientOptions& options, boost::beast::http::verb method, const std::string& path,
                   const std::function<void(const nlohmann::json&)>& print,
                   const std::optional<nlohmann::json>& body = std::nullopt);
void add_cluster_commands(CLI::App& app, ClientOptions& options, std::function<int()>& run);

// Adds the commands; the one the user chose is put in `run` (nothing if none).
void add_client_commands(CLI::App& app, ClientOptions& options, std::function<int()>& run);

}  // namespace relaycast::cli
