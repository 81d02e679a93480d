#include "cli/events_commands.hpp"

#include <fmt/format.h>

#include "cli/table.hpp"

namespace relaycast::cli {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

std::string sources_cell(const json& sources) {
  std::string out;
  for (const auto& s : sources)
    out += (out.empty() ? "" : ", ") + s["name"].get<std::string>() + "=" + s["stream"].get<std::string>();
  return out;
}

// Where people watch it: the event page on the server the CLI talks to.
std::string event_url(const ClientOptions& o, const std::string& id) {
  std::string server = o.target.server;
  while (server.ends_with('/')) server.pop_back();
  return server + "/event/" + id;
}

}  // namespace

void add_event_commands(CLI::App& app, ClientOptions& o, EventOptions& e, std::function<int()>& run) {
  auto* events = app.add_subcommand("events", "Events (camera + slides played together at /event/ID): list, create, remove");
  events->require_subcommand(1);

  auto* ls = events->add_subcommand("ls", "List events with their sources");
  add_common_options(ls, o);
  ls->callback([&] {
    run = [&] {
      return run_request(o, http::verb::get, "/api/v1/events", [&](const json& body) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& ev : body["events"])
          rows.push_back(
              {cell_text(ev["id"]), cell_text(ev["title"]), sources_cell(ev["sources"]), cell_text(ev["created_at"])});
        if (rows.empty()) {
          fmt::print("no events (relaycast events create ID --source camera=live/cam ...)\n");
          return;
        }
        fmt::print("{}", render_table({"ID", "TITLE", "SOURCES", "CREATED"}, rows));
      });
    };
  });

  auto* show = events->add_subcommand("show", "One event");
  add_common_options(show, o);
  show->add_option("id", e.id, "The event's id")->required();
  show->callback([&] {
    run = [&] {
      return run_request(o, http::verb::get, "/api/v1/events/" + e.id, [&](const json& ev) {
        fmt::print("{}", render_table({"FIELD", "VALUE"}, {{"id", cell_text(ev["id"])},
                                                           {"title", cell_text(ev["title"])},
                                                           {"sources", sources_cell(ev["sources"])},
                                                           {"created", cell_text(ev["created_at"])},
                                                           {"watch", event_url(o, e.id)}}));
      });
    };
  });

  auto* create = events->add_subcommand("create", "Create an event from live streams (kept across restarts)");
  add_common_options(create, o);
  create->add_option("id", e.id, "The event's id, in its URL: letters, digits, - and _ (meetup-42)")->required();
  create->add_option("--source,-s", e.sources, "NAME=APP/NAME, e.g. camera=live/cam; repeat, in layout order")
      ->required()
      ->check([](const std::string& s) {
        const auto eq = s.find('=');
        return eq == std::string::npos || eq == 0 || s.find('/', eq) == std::string::npos
                   ? std::string("a source is NAME=APP/NAME, like camera=live/cam")
                   : std::string();
      });
  create->add_option("--title,-t", e.title, "What the page shows as its title");
  create->callback([&] {
    run = [&] {
      json body = {{"id", e.id}, {"title", e.title}, {"sources", json::array()}};
      for (const auto& s : e.sources) {
        const auto eq = s.find('=');
        body["sources"].push_back({{"name", s.substr(0, eq)}, {"stream", s.substr(eq + 1)}});
      }
      return run_request(
          o, http::verb::post, "/api/v1/events",
          [&](const json& ev) {
            fmt::print("created event {} ({})\nwatch at {}\n", cell_text(ev["id"]), sources_cell(ev["sources"]),
                       event_url(o, e.id));
          },
          body);
    };
  });

  auto* rm = events->add_subcommand("rm", "Remove an event (its streams go on)");
  add_common_options(rm, o);
  rm->add_option("id", e.id, "The event's id")->required();
  rm->callback([&] {
    run = [&] {
      return run_request(o, http::verb::delete_, "/api/v1/events/" + e.id,
                         [&](const json&) { fmt::print("removed event {}\n", e.id); });
    };
  });
}

}  // namespace relaycast::cli
