// relaycast: the server (`relaycast serve`) and the operator's CLI, a client of the
// server's REST API (status, streams, clients, keys, reload).
#include <cstdio>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/client_commands.hpp"
#include "cli/events_commands.hpp"
#include "cli/join_commands.hpp"
#include "cli/serve_command.hpp"
#include "cli/tokens_command.hpp"

namespace {

int run_cli(int argc, char** argv) {
  CLI::App app{"relaycast: live streaming server (RTMP in; RTMP, HTTP-FLV and HLS out) and its CLI", "relaycast"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(RELAYCAST_VERSION));
  relaycast::ServeOptions serve;
  relaycast::add_serve_command(app, serve);
  relaycast::cli::ClientOptions client;
  std::function<int()> run_client;
  relaycast::cli::add_client_commands(app, client, run_client);
  relaycast::cli::TokenOptions tokens;
  relaycast::cli::add_tokens_command(app, client, tokens, run_client);
  relaycast::cli::EventOptions events;
  relaycast::cli::add_event_commands(app, client, events, run_client);
  relaycast::cli::JoinOptions join;
  relaycast::cli::add_join_commands(app, client, join, run_client);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.got_subcommand("serve")) return relaycast::run_serve(serve);
  if (run_client) return run_client();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    // A bug or an exhausted resource, not a usage error (those are answered above): say
    // what it was and exit with EX_SOFTWARE, rather than std::terminate's abort.
    std::fprintf(stderr, "relaycast: unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "relaycast: unexpected error of an unknown type\n");
  }
  return 70;
}
