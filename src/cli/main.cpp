// relaycast: the server (`relaycast serve`) and, later, the CLI client of its API.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/serve_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"relaycast: live streaming server (RTMP in; RTMP and HTTP-FLV out)", "relaycast"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(RELAYCAST_VERSION));
  relaycast::ServeOptions serve;
  relaycast::add_serve_command(app, serve);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.got_subcommand("serve")) return relaycast::run_serve(serve);
  return 0;
}
