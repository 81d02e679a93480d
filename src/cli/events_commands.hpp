#pragma once
// relaycast events create ID --source camera=live/cam --source slides=live/screen [--title T]
// relaycast events ls | show ID | rm ID
// Clients of /api/v1/events; an event is played at /event/ID.
#include <functional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

#include "cli/client_commands.hpp"

namespace relaycast::cli {

struct EventOptions {
  std::string id;
  std::string title;
  std::vector<std::string> sources;  // "camera=live/cam"
};

void add_event_commands(CLI::App& app, ClientOptions& client, EventOptions& options, std::function<int()>& run);

}  // namespace relaycast::cli
