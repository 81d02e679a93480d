#include "cli/tokens_command.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "api/play_token_urls.hpp"
#include "cli/table.hpp"
#include "core/config.hpp"

namespace relaycast::cli {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

void print_token(const json& t, bool as_json) {
  if (as_json) {
    fmt::print("{}\n", t.dump(2));
  } else {
    const auto& u = t["urls"];
    auto line = [](std::string_view label, const std::string& value) { fmt::print("{:<9} {}\n", label, value); };
    line("stream", t["stream"].get<std::string>());
    line("token", t["token"].get<std::string>());
    line("expires", fmt::format("{} (in {})", t["expires_at"].get<std::string>(), human_duration(t["ttl_s"].get<double>())));
    line("RTMP", u["rtmp"].get<std::string>());
    line("HTTP-FLV", u["flv"].get<std::string>());
    line("HLS", u["hls"].get<std::string>());
    line("LL-HLS", u["ll_hls"].get<std::string>());
  }
  std::fflush(stdout);
}

int sign_locally(const ClientOptions& client, const TokenOptions& o) {
  std::string secret = o.secret;
  std::string http_base = o.base_url;
  std::string rtmp_port = "1935";
  if (!o.config_file.empty()) {
    auto config = load_config_file(o.config_file);
    if (!config) {
      fmt::print(stderr, "relaycast: {}\n", config.error().message());
      return 2;
    }
    if (secret.empty()) secret = config->play_tokens.secret;
    if (secret.empty()) {
      fmt::print(stderr, "relaycast: {} has no play_tokens.secret to sign with\n", o.config_file);
      return 2;
    }
    if (http_base.empty()) http_base = fmt::format("http://127.0.0.1:{}", config->http.port);
    rtmp_port = std::to_string(config->rtmp.port);
  }
  if (http_base.empty()) http_base = client.target.server;
  const std::string rtmp_base =
      o.rtmp_url.empty() ? fmt::format("rtmp://{}:{}", api::url_host(http_base), rtmp_port) : o.rtmp_url;
  auto token = api::signed_play_urls(secret, client.stream, o.ttl_s, http_base, rtmp_base, std::chrono::system_clock::now());
  if (!token) {
    fmt::print(stderr, "relaycast: {}\n", token.error().message());
    return 2;
  }
  print_token(*token, client.json);
  return 0;
}

int sign_on_server(const ClientOptions& client, const TokenOptions& o) {
  json body = {{"stream", client.stream}, {"ttl_s", o.ttl_s}};
  if (!o.base_url.empty()) body["base_url"] = o.base_url;
  if (!o.rtmp_url.empty()) body["rtmp_url"] = o.rtmp_url;
  auto reply = call_api(client.target, http::verb::post, "/api/v1/tokens", body);
  if (!reply) {
    fmt::print(stderr, "relaycast: {}\n", reply.error().message());
    return reply.error().is(Errc::config) ? 2 : 3;
  }
  if (reply->status < 200 || reply->status >= 300) {
    fmt::print(stderr, "relaycast: {}\n", describe_failure(*reply));
    return 1;
  }
  print_token(reply->body, client.json);
  return 0;
}

}  // namespace

void add_tokens_command(CLI::App& app, ClientOptions& c, TokenOptions& o, std::function<int()>& run) {
  auto* tokens = app.add_subcommand("tokens", "Signed play URLs (play_tokens)");
  tokens->require_subcommand(1);
  auto* sign = tokens->add_subcommand("sign", "Print play URLs for APP/NAME that carry a signed token");
  sign->add_option("stream", c.stream, "The stream, as APP/NAME")->required();
  sign->add_option("--ttl", o.ttl_s, "How long the URLs play: 90s, 15m, 2h, 7d (default 1h)")
      ->transform(CLI::AsNumberWithUnit(std::map<std::string, int64_t>{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}},
                                        CLI::AsNumberWithUnit::CASE_SENSITIVE));
  sign->add_option("--base-url", o.base_url, "http://HOST:PORT where players reach the server (default: --server)");
  sign->add_option("--rtmp-url", o.rtmp_url, "rtmp://HOST:PORT for the RTMP URL (default: the base URL's host)");
  sign->add_option("--secret", o.secret, "Sign locally with this play_tokens.secret")->envname("RELAYCAST_PLAY_TOKEN_SECRET");
  sign->add_option("-c,--config", o.config_file, "Sign locally with the play_tokens.secret of this config file")
      ->check(CLI::ExistingFile);
  sign->add_option("--server", c.target.server, "The server's HTTP address, when it signs (default http://127.0.0.1:8080)")
      ->envname("RELAYCAST_SERVER");
  sign->add_option("--token", c.target.token, "The server's api.token, if it has one")->envname("RELAYCAST_TOKEN");
  sign->add_flag("--json", c.json, "Print JSON (as POST /api/v1/tokens answers) instead of a table");
  sign->callback([&] {
    run = [&] { return o.secret.empty() && o.config_file.empty() ? sign_on_server(c, o) : sign_locally(c, o); };
  });
}

}  // namespace relaycast::cli
