#pragma once
// The operator's commands, each a client of the server's REST API:
//   relaycast status
//   relaycast streams ls | show APP/NAME | kick APP/NAME
//   relaycast clients ls | kick ID
//   relaycast keys ls | add APP/NAME [--key K] | rm APP/NAME [--key K]
//   relaycast recordings ls | rm APP/NAME/FILE | start APP/NAME | stop APP/NAME
//   relaycast reload
//   relaycast nodes ls | drain ID | undrain ID          (cluster_commands.cpp)
//   relaycast nodes join-command, relaycast join        (join_commands.cpp)
//   relaycast pushes ls | add APP[/NAME] URL | rm ID
//   relaycast autoscale status | plan                   (autoscale_commands.cpp)
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
  std::string push_url;  // rtmp://... or rtmps://...
  bool push_no_tls_verify = false;
  std::string push_tls_ca_file;
  uint64_t push_id = 0;
};

// cluster_commands.cpp: nodes and pushes.
void add_cluster_commands(CLI::App& app, ClientOptions& options, std::function<int()>& run);

// autoscale_commands.cpp: the autoscaler's state and a dry run.
void add_autoscale_commands(CLI::App& app, ClientOptions& options, std::function<int()>& run);

// Adds the commands; the one the user chose is put in `run` (nothing if none).
void add_client_commands(CLI::App& app, ClientOptions& options, std::function<int()>& run);

// For commands in other files (events_commands.cpp, cluster_commands.cpp): --server, --token, --json; and one
// API call that prints the server's error and returns the exit code (0, 1 refused,
// 2 bad usage, 3 no server), or hands the body to `print` (or prints it with --json).
void add_common_options(CLI::App* command, ClientOptions& options);
// A JSON value as a table cell: strings as they are, null as "-", anything else as JSON.
std::string cell_text(const nlohmann::json& value);
// A JSON number, or nothing for null and anything else.
std::optional<double> json_number(const nlohmann::json& value);
int run_request(const ClientOptions& options, boost::beast::http::verb method, const std::string& path,
                const std::function<void(const nlohmann::json&)>& print,
                const std::optional<nlohmann::json>& body = std::nullopt);

}  // namespace relaycast::cli
