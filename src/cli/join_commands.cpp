#include "cli/join_commands.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/table.hpp"
#include "cluster/join_drop_in.hpp"
#include "cluster/join_token.hpp"
#include "core/config.hpp"

namespace relaycast::cli {
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void print_join_command(const json& answer, const JoinOptions& o) {
  if (o.cloud_init) {
    fmt::print("{}", answer["cloud_init"].get<std::string>());
  } else {
    // The command alone on stdout, so that `$(relaycast nodes join-command)` is it.
    fmt::print("{}\n", answer["command"].get<std::string>());
    std::fflush(stdout);
    fmt::print(stderr,
               "Run it as root on a machine with the relaycast package installed (or give it as cloud-init "
               "user data: --cloud-init). The token is valid until {} (in {}){}; edges pull from {} and heartbeat "
               "to {}.\n",
               answer["expires_at"].get<std::string>(), human_duration(answer["ttl_s"].get<double>()),
               answer["node_id"].is_string() ? " for node " + answer["node_id"].get<std::string>() : " for one node of any id",
               fmt::join(answer["origins"].get<std::vector<std::string>>(), ", "),
               fmt::join(answer["heartbeat_urls"].get<std::vector<std::string>>(), ", "));
  }
  std::fflush(stdout);
}

int request_join_command(const ClientOptions& client, const JoinOptions& o) {
  json body = {{"ttl_s", o.ttl_s}};
  if (!o.node_id.empty()) body["node_id"] = o.node_id;
  if (!o.origins.empty()) body["origins"] = o.origins;
  if (!o.heartbeat_urls.empty()) body["heartbeat_urls"] = o.heartbeat_urls;
  return run_request(client, http::verb::post, "/api/v1/nodes/join-tokens",
                     [&o](const json& answer) { print_join_command(answer, o); }, body);
}

// "rtmp://HOST:PORT" for --public-host, with this node's configured port.
std::string with_host(std::string_view scheme, const std::string& host, uint16_t port) {
  return fmt::format("{}://{}:{}", scheme, host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
}

int run_join(const JoinOptions& o) {
  auto usage = [](const std::string& message) {
    fmt::print(stderr, "relaycast join: {}\n", message);
    return 2;
  };
  cluster::JoinSettings settings;
  if (!o.bundle.empty()) {
    auto bundle = cluster::decode_join_bundle(o.bundle);
    if (!bundle) return usage(bundle.error().message());
    settings.bundle = std::move(*bundle);
  }
  if (!o.token.empty()) settings.bundle.token = o.token;
  if (!o.origins.empty()) settings.bundle.origins = o.origins;
  if (!o.heartbeat_urls.empty()) settings.bundle.heartbeat_urls = o.heartbeat_urls;
  if (settings.bundle.token.empty() || settings.bundle.origins.empty() || settings.bundle.heartbeat_urls.empty())
    return usage("needs a join bundle (as `relaycast nodes join-command` prints it), or --token, --origin and "
                 "--heartbeat-url");
  auto claims = cluster::read_join_token(settings.bundle.token);
  if (!claims) return usage(claims.error().message);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (claims->expires_unix <= now) {
    fmt::print(stderr, "relaycast join: the join token expired at {}; print a new command with `relaycast nodes "
               "join-command` on the origin\n", cluster::utc_time(claims->expires_unix));
    return 1;
  }
  settings.node_id = o.node_id.empty() ? claims->node_id : o.node_id;
  if (!claims->node_id.empty() && settings.node_id != claims->node_id)
    return usage(fmt::format("the join token is for node {}, not {}", claims->node_id, settings.node_id));
  if (!fs::exists(o.config_file))
    return usage(fmt::format("{} does not exist: install the relaycast package, or give the config file the server "
                             "runs with (--config)", o.config_file));
  // The ports of the public URLs are this node's own (the file and what it has in conf.d).
  auto before = load_config_file(o.config_file);
  if (!before) {
    fmt::print(stderr, "relaycast join: {}\n", before.error().message());
    return 1;
  }
  if (!o.public_host.empty()) {
    settings.public_rtmp_url = with_host("rtmp", o.public_host, before->rtmp.port);
    settings.public_http_url = with_host("http", o.public_host, before->http.port);
  }
  const std::string text = cluster::render_join_drop_in(settings);
  if (auto valid = parse_config(text, "the join settings"); !valid) {
    fmt::print(stderr, "relaycast join: {}\n", valid.error().message());
    return 2;
  }
  auto written = cluster::write_join_drop_in(o.config_file, text);
  if (!written) {
    fmt::print(stderr, "relaycast join: {}\n", written.error().message());
    return 1;
  }
  const auto drop_in = cluster::join_drop_in_path(o.config_file);
  auto after = load_config_file(o.config_file);
  if (!after) {
    fmt::print(stderr, "relaycast join: wrote {}, but the configuration is not valid with it: {}\n", drop_in.string(),
               after.error().message());
    return 1;
  }
  if (*written) {
    // A credential from an earlier join would be sent instead of the new token.
    const auto credential = state_directory(*after) / "node_credential.json";
    std::error_code ec;
    if (fs::remove(credential, ec))
      fmt::print("removed {}: the node credential of an earlier join (the new token replaces it)\n", credential.string());
  }
  fmt::print("{} {}: this node joins as an edge{}, pulling from {} and heartbeating to {}; the token is valid until "
             "{}.\nRestart the server to apply it: systemctl restart relaycast\n",
             *written ? "wrote" : "unchanged:", drop_in.string(),
             settings.node_id.empty() ? "" : " (node " + settings.node_id + ")", fmt::join(settings.bundle.origins, ", "),
             fmt::join(settings.bundle.heartbeat_urls, ", "), cluster::utc_time(claims->expires_unix));
  std::fflush(stdout);
  return 0;
}

}  // namespace

void add_join_commands(CLI::App& app, ClientOptions& c, JoinOptions& o, std::function<int()>& run) {
  auto* nodes = app.get_subcommand("nodes");
  auto* command = nodes->add_subcommand(
      "join-command", "Print the command that makes a fresh machine (relaycast package installed) an edge of this "
                      "cluster: a signed, expiring join token, the origins and the registry");
  add_common_options(command, c);
  command->add_option("--ttl", o.ttl_s, "How long the token lets a node join: 90s, 15m, 2h, 7d (default 1h)")
      ->transform(CLI::AsNumberWithUnit(std::map<std::string, int64_t>{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}},
                                        CLI::AsNumberWithUnit::CASE_SENSITIVE));
  command->add_option("--node-id", o.node_id, "Only a node with this id (cluster.node_id) may join with it");
  command->add_option("--origin", o.origins, "rtmp://HOST:PORT the edge pulls from, repeatable (default: the origins "
                                             "in the registry, this one first)");
  command->add_option("--heartbeat-url", o.heartbeat_urls,
                      "http://HOST:PORT of the registry (default: this server's cluster.public_http_url)");
  command->add_flag("--cloud-init", o.cloud_init, "Print cloud-init user data (#cloud-config) that runs the command");
  command->callback([&] { run = [&] { return request_join_command(c, o); }; });

  auto* join_command = app.add_subcommand(
      "join", "Make this machine an edge of a cluster: writes conf.d/join.toml next to the config file (run as root; "
              "then systemctl restart relaycast)");
  join_command->add_option("bundle", o.bundle, "The join bundle (rcjoin1...) that `relaycast nodes join-command` prints");
  join_command->add_option("-c,--config", o.config_file, "The config file the server runs with (default "
                                                          "/etc/relaycast/relaycast.toml); conf.d/ goes next to it");
  join_command->add_option("--token", o.token, "A join token (rcj1...), instead of the bundle's");
  join_command->add_option("--origin", o.origins, "rtmp://HOST:PORT to pull from, repeatable, instead of the bundle's");
  join_command->add_option("--heartbeat-url", o.heartbeat_urls, "http://HOST:PORT of the registry, instead of the bundle's");
  join_command->add_option("--node-id", o.node_id, "This node's id in the cluster (default <hostname>:<http.port>)");
  join_command->add_option("--public-host", o.public_host,
                           "The name or address viewers reach this node at (cluster.public_rtmp_url and "
                           "public_http_url, with its ports; default: the host name)");
  join_command->callback([&] { run = [&] { return run_join(o); }; });
}

}  // namespace relaycast::cli
