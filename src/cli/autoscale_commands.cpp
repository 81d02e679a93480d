// The autoscaler's commands (cluster/autoscaler.hpp), clients of the API on the origin:
//   relaycast autoscale status   policy, load, recent decisions, launches, drains, commands
//   relaycast autoscale plan     what would be decided now and why; nothing is run
#include <cmath>

#include <fmt/format.h>

#include "cli/client_commands.hpp"
#include "cli/table.hpp"

namespace relaycast::cli {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

std::string load_text(const json& load) {
  const auto& v = load["value"];
  const std::string value = v.is_number() ? fmt::format("{:.0f} %", v.get<double>() * 100) : "unbounded";
  return fmt::format("{} ({} {} over a capacity of {}, {} node(s) of which {} edge(s))", value,
                     cell_text(load["demand"]), cell_text(load["metric"]), cell_text(load["capacity"]),
                     cell_text(load["nodes"]), cell_text(load["edges"]));
}

std::string action_text(const json& d) {
  const std::string action = cell_text(d["action"]);
  if (action == "scale_up") return fmt::format("scale up by {} edge(s)", cell_text(d["count"]));
  if (action == "drain") return "drain " + cell_text(d["node"]);
  if (action == "scale_down") return "scale down " + cell_text(d["node"]) + " (run scale_down_command)";
  return "no change";
}

void print_plan(const json& b) {
  const auto& d = b["decision"];
  fmt::print("decision: {} [{}]\n", action_text(d), cell_text(d["rule"]));
  fmt::print("why:      {}\n", cell_text(d["reason"]));
  fmt::print("load:     {}\n", load_text(d["load"]));
  if (!b["enabled"].get<bool>()) fmt::print("autoscale.enabled is false: the server acts on no decision\n");
  fmt::print("dry run: nothing was drained or run\n");
}

void print_autoscale_status(const json& b) {
  const auto& p = b["policy"];
  fmt::print(
      "autoscale: {}; {} target {:.0f} % (up above {:.0f} %, down below {:.0f} %), {} to {} edges, "
      "cool-downs {} s up / {} s down\n",
      b["enabled"].get<bool>() ? "enabled" : "disabled (autoscale.enabled)", cell_text(p["metric"]),
      p["target_load"].get<double>() * 100, p["scale_up_at"].get<double>() * 100,
      p["scale_down_at"].get<double>() * 100, cell_text(p["min_edges"]), cell_text(p["max_edges"]),
      cell_text(p["scale_up_cooldown_s"]), cell_text(p["scale_down_cooldown_s"]));
  fmt::print("load: {}\n", load_text(b["load"]));
  fmt::print("now:  {} [{}]: {}\n", action_text(b["plan"]), cell_text(b["plan"]["rule"]),
             cell_text(b["plan"]["reason"]));
  for (const auto& l : b["pending_launches"])
    fmt::print("launched at {}: {} of {} edge(s) not heartbeating yet\n", cell_text(l["launched_at"]),
               cell_text(l["coming"]), cell_text(l["count"]));
  for (const auto& d : b["draining"])
    fmt::print("draining {} since {}: {} viewer(s) left\n", cell_text(d["node"]), cell_text(d["since"]),
               cell_text(d["viewers"]));
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : b["decisions"])
    rows.push_back(
        {cell_text(d["at"]), cell_text(d["times"]), action_text(d), cell_text(d["rule"]), cell_text(d["reason"])});
  if (rows.empty()) fmt::print("\nno decisions yet\n");
  else fmt::print("\n{}", render_table({"AT", "TIMES", "DECISION", "RULE", "WHY"}, rows));
  rows.clear();
  for (const auto& c : b["commands"])
    rows.push_back({cell_text(c["started_at"]), cell_text(c["action"]),
                    c["node"].is_null() ? cell_text(c["count"]) : cell_text(c["node"]), cell_text(c["outcome"]),
                    c["duration_ms"].is_number() ? cell_text(c["duration_ms"]) + " ms" : "-",
                    cell_text(c["stderr"]).substr(0, 60)});
  if (!rows.empty()) fmt::print("\n{}", render_table({"STARTED", "COMMAND", "FOR", "OUTCOME", "TOOK", "STDERR"}, rows));
}

}  // namespace

void add_autoscale_commands(CLI::App& app, ClientOptions& o, std::function<int()>& run) {
  auto* autoscale = app.add_subcommand("autoscale", "The origin's autoscaling hooks: state and a dry run");
  autoscale->require_subcommand(1);
  auto* status = autoscale->add_subcommand("status", "Policy, cluster load, recent decisions and why, launches, "
                                                     "drains, results of the scale commands");
  add_common_options(status, o);
  status->callback(
      [&] { run = [&] { return run_request(o, http::verb::get, "/api/v1/autoscale", print_autoscale_status); }; });
  auto* plan = autoscale->add_subcommand("plan", "What the autoscaler would decide now and why; runs nothing");
  add_common_options(plan, o);
  plan->callback([&] { run = [&] { return run_request(o, http::verb::get, "/api/v1/autoscale/plan", print_plan); }; });
}

}  // namespace relaycast::cli
