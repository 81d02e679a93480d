// The cluster's commands, clients of the API like the others:
//   relaycast nodes ls | drain ID | undrain ID
//   relaycast pushes ls | add APP[/NAME] URL | rm ID
#include <cmath>

#include <fmt/format.h>

#include "cli/client_commands.hpp"
#include "cli/table.hpp"

namespace relaycast::cli {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

void print_nodes(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : body["nodes"]) {
    const auto load = json_number(n.value("load", json()));
    rows.push_back(
        {cell_text(n["id"]) + (n["id"] == body["self"] ? " *" : ""), cell_text(n["role"]), cell_text(n["state"]),
         fmt::format("{}/{}", cell_text(n["viewers"]), cell_text(n["capacity"])),
         load ? fmt::format("{:.0f} %", *load * 100) : "-", human_bitrate(json_number(n["egress_bps"])),
         n["cpu_percent"].is_number() ? fmt::format("{:.1f} %", n["cpu_percent"].get<double>()) : "-",
         n.contains("last_seen_ms_ago") ? fmt::format("{:.1f} s", n["last_seen_ms_ago"].get<double>() / 1000) : "-",
         cell_text(n["http_url"])});
  }
  const auto& registry = body["registry"];
  if (registry.is_object()) {
    fmt::print("registry: {}{}\n", cell_text(registry["kind"]),
               registry["problem"].is_string() ? " (degraded: " + registry["problem"].get<std::string>() + ")" : "");
  } else {
    fmt::print("registry: none on this node (an edge); it shows itself only\n");
  }
  if (rows.empty()) {
    fmt::print("no nodes have sent a heartbeat yet\n");
    return;
  }
  fmt::print("{}", render_table({"NODE", "ROLE", "STATE", "VIEWERS", "LOAD", "EGRESS", "CPU", "SEEN", "URL"}, rows));
}

void print_pushes(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : body["rules"]) {
    std::vector<const json*> running;
    for (const auto& p : body["pushes"])
      if (p["rule"] == r["id"]) running.push_back(&p);
    const std::string rule =
        fmt::format("{}/{} -> {}", cell_text(r["app"]), cell_text(r["stream"]), cell_text(r["url"]));
    if (running.empty())
      rows.push_back({cell_text(r["id"]), rule + " (" + cell_text(r["source"]) + ")", "-",
                      "idle: nothing published matches", "", "", ""});
    for (const auto* p : running)
      rows.push_back({cell_text(r["id"]), cell_text((*p)["stream"]) + " -> " + cell_text((*p)["url"]),
                      cell_text((*p)["state"]), cell_text((*p)["since"]), human_bytes((*p)["bytes"].get<uint64_t>()),
                      cell_text((*p)["reconnects"]), cell_text((*p)["last_error"])});
  }
  for (const auto& p : body["pushes"])
    if (p["rule"].is_null())
      rows.push_back({"-", cell_text(p["stream"]) + " -> " + cell_text(p["url"]) + " (forward)", cell_text(p["state"]),
                      cell_text(p["since"]), human_bytes(p["bytes"].get<uint64_t>()), cell_text(p["reconnects"]),
                      cell_text(p["last_error"])});
  if (rows.empty()) {
    fmt::print("no push rules ([[relay.push]] or relaycast pushes add)\n");
    return;
  }
  fmt::print("{}", render_table({"RULE", "PUSH", "STATE", "SINCE", "SENT", "RECONNECTS", "LAST ERROR"}, rows));
}

}  // namespace

void add_cluster_commands(CLI::App& app, ClientOptions& o, std::function<int()>& run) {
  auto common = [&o](CLI::App* command) { add_common_options(command, o); };

  auto* nodes = app.add_subcommand("nodes", "Cluster nodes in the registry: list, drain, undrain");
  nodes->require_subcommand(1);
  auto* nls = nodes->add_subcommand("ls", "List nodes with their state, viewers against capacity, egress and CPU");
  common(nls);
  nls->callback([&] { run = [&] { return run_request(o, http::verb::get, "/api/v1/nodes", print_nodes); }; });
  for (const auto& [verb, what] : {std::pair{"drain", "Send no new viewers to node ID (its current viewers stay)"},
                                   std::pair{"undrain", "Send new viewers to node ID again"}}) {
    auto* command = nodes->add_subcommand(verb, what);
    common(command);
    command->add_option("id", o.node, "The node's id (from nodes ls)")->required();
    command->callback([&o, &run, verb] {
      run = [&o, verb] {
        return run_request(o, http::verb::post, fmt::format("/api/v1/nodes/{}/{}", o.node, verb),
                           [&o](const json& n) { fmt::print("node {} is {}\n", o.node, cell_text(n["state"])); });
      };
    });
  }

  auto* pushes = app.add_subcommand("pushes", "Pushes (restreams to other RTMP servers): list, add, remove");
  pushes->require_subcommand(1);
  auto* pls = pushes->add_subcommand("ls", "List push rules and their pushes: state, bytes sent, reconnects, last error");
  common(pls);
  pls->callback([&] { run = [&] { return run_request(o, http::verb::get, "/api/v1/pushes", print_pushes); }; });
  auto* padd = pushes->add_subcommand("add", "Push what is published as APP/NAME (or every stream of APP) to URL");
  common(padd);
  padd->add_option("stream", o.stream, "APP/NAME, or APP for every stream of the app")->required();
  padd->add_option("url", o.push_url,
                   "rtmp://host[:port]/app[/name] or rtmps://... (TLS, port 443 by default); without a name the "
                   "local one is used")->required();
  padd->add_flag("--no-tls-verify", o.push_no_tls_verify,
                 "rtmps://: take any certificate (self-signed test targets); default [relay] tls_verify");
  padd->add_option("--tls-ca-file", o.push_tls_ca_file,
                   "rtmps://: PEM file of the CAs to trust instead of the system's (a path on the server)");
  padd->callback([&] {
    run = [&] {
      const auto slash = o.stream.find('/');
      json body = {{"app", o.stream.substr(0, slash)},
                   {"stream", slash == std::string::npos ? "*" : o.stream.substr(slash + 1)},
                   {"url", o.push_url}};
      if (o.push_no_tls_verify) body["tls_verify"] = false;
      if (!o.push_tls_ca_file.empty()) body["tls_ca_file"] = o.push_tls_ca_file;
      return run_request(
          o, http::verb::post, "/api/v1/pushes",
          [](const json& b) {
            fmt::print("added push rule {}: {}/{} -> {} ({} push(es) started)\n", cell_text(b["rule"]["id"]),
                       cell_text(b["rule"]["app"]), cell_text(b["rule"]["stream"]), cell_text(b["rule"]["url"]),
                       b["pushes"].size());
          },
          body);
    };
  });
  auto* prm = pushes->add_subcommand("rm", "Remove push rule ID and stop its pushes");
  common(prm);
  prm->add_option("id", o.push_id, "The rule's id (from pushes ls)")->required();
  prm->callback([&] {
    run = [&] {
      return run_request(o, http::verb::delete_, fmt::format("/api/v1/pushes/{}", o.push_id), [&](const json& b) {
        fmt::print("removed push rule {} ({} push(es) stopped)\n", o.push_id, cell_text(b["stopped"]));
      });
    };
  });
}

}  // namespace relaycast::cli
