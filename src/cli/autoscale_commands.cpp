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

std::string text(const json& v) { return cell_text(v); }

std::string load_text(const json& load) {
  const auto& v = load["value"];
  const std::string value = v.is_number() ? fmt::format("{:.0f} %", v.get<double>() * 100) : "unbounded";
  return fmt::format("{} ({} {} over a capacity of {}, {} node(s) of which {} edge(s))", value, text(load["demand"]),
                     text(load["metric"]), text(load["capacity"]), text(load["nodes"]), text(load["edges"]));
}

std::string action_text(const json& d) {
  const std::string action = text(d["action"]);
  if (action == "scale_up") return fmt::format("scale up by {} edge(s)", text(d["count"]));
  if (action == "drain") return "drain " + text(d["node"]);
  if (action == "scale_down") return "scale down " + text(d["node"]) + " (run scale_down_command)";
  return "no change";
}

void print_plan(const json& b) {
  const auto& d = b["decision"];
  fmt::print("decision: {} [{}]\n", action_text(d), text(d["rule"]));
  fmt::print("why:      {}\n", text(d["reason"]));
  fmt::print("load:     {}\n", load_text(d["load"]));
  if (!b["enabled"].get<bool>()) fmt::print("autoscale.enabled is false: the server acts on no decision\n");
  fmt::print("dry run: nothing was drained or run\n");
}

void print_status(const json& b) {
  const auto& p = b["policy"];
  fmt::print("autoscale: {}; {} target {:.0f} % (up above {:.0f} %, down below {:.0f} %), {} to {} edges, "
             "cool-downs {} s up / {} s down\n",
             b["enabled"].get<bool>() ? "enabled" : "disabled (autoscale.enabled)", text(p["metric"]),
             p["target_load"].get<double>() * 100, p["scale_up_at"].get<double>() * 100,
             p["scale_down_at"].get<double>() * 100, text(p["min_edges"]), text(p["max_edges"]),
             text(p["scale_up_cooldown_s"]), text(p["scale_down_cooldown_s"]));
  fmt::print("load: {}\n", load_text(b["load"]));
  fmt::print("now:  {} [{}]: {}\n", action_text(b["plan"]), text(b["plan"]["rule"]), text(b["plan"]["reason"]));
  for (const auto& l : b["pending_launches"])
    fmt::print("launched at {}: {} of {} edge(s) not heartbeating yet\n", text(l["launched_at"]), text(l["coming"]),
               text(l["count"]));
  for (const auto& d : b["draining"])
    fmt::print("draining {} since {}: {} viewer(s) left\n", text(d["node"]), text(d["since"]), text(d["viewers"]));
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : b["decisions"])
    rows.push_back({text(d["at"]), text(d["times"]), action_text(d), text(d["rule"]), text(d["reason"])});
  if (rows.empty()) fmt::print("\nno decisions yet\n");
  else fmt::print("\n{}", render_table({"AT", "TIMES", "DECISION", "RULE", "WHY"}, rows));
  rows.clear();
  for (const auto& c : b["commands"])
    rows.push_back({text(c["started_at"]), text(c["action"]), c["node"].is_null() ? text(c["count"]) : text(c["node"]),
                    text(c["outcome"]), c["duration_ms"].is_number() ? text(c["duration_ms"]) + " ms" : "-",
                    text(c["stderr"]).substr(0, 60)});
  if (!rows.empty()) fmt::print("\n{}", render_table({"STARTED", "COMMAND", "FOR", "OUTCOME", "TOOK", "STDERR"}, rows));
}

}  // namespace

void add_autoscale_commands(CLI::App& app, ClientOptions& o, std::function<int()>& run) {
  auto* autoscale = app.add_subcommand("autoscale", "The origin's autoscaling hooks: state and a dry run");
  autoscale->require_subcommand(1);
  auto* status = autoscale->add_subcommand("status", "Policy, cluster load, recent decisions and why, launches, "
                                                     "drains, results of the scale commands");
  add_common_options(status, o);
  status->callback([&] { run = [&] { return run_request(o, http::verb::get, "/api/v1/autoscale", print_status); }; });
  auto* plan = autoscale->add_subcommand("plan", "What the autoscaler would decide now and why; runs nothing");
  add_common_options(plan, o);
  plan->callback([&] { run = [&] { return run_request(o, http::verb::get, "/api/v1/autoscale/plan", print_plan); }; });
}

}  // namespace relaycast::cli
