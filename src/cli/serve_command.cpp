#include "cli/serve_command.hpp"

#include <fmt/format.h>

#include "api/control_plane.hpp"
#include "api/webhooks.hpp"
#include "cluster/cluster_node.hpp"
#include "core/log.hpp"
#include "relay/relay.hpp"
#include "server/server.hpp"

namespace relaycast {

void add_serve_command(CLI::App& app, ServeOptions& o) {
  auto* serve = app.add_subcommand("serve", "Run the server (embedded defaults; a TOML file and flags override them)");
  serve->add_option("-c,--config", o.config_file, "TOML configuration file; any key overrides its default")
      ->check(CLI::ExistingFile);
  serve->add_option("--rtmp-port", o.rtmp_port, "RTMP listening port (default 1935; rtmp.port)");
  serve->add_option("--http-port", o.http_port, "HTTP listening port for HTTP-FLV (default 8080; http.port)");
  serve->add_option("--srt-port", o.srt_port, "SRT listening port, UDP (default 9000; srt.port); 0 turns SRT off");
  serve->add_option("--bind", o.bind, "Address to listen on (default 0.0.0.0; server.bind)");
  serve->add_option("--workers", o.workers, "Worker threads, 0 = one per core (server.workers)")
      ->check(CLI::Range(0, 256));
  serve->add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off (server.log_level)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  serve->add_option("--role", o.role, "origin (takes ingest) or edge (pulls from origins on demand) (cluster.role)")
      ->check(CLI::IsMember({"origin", "edge"}));
  serve->add_option("--origin", o.origins,
                    "rtmp://host:port (or rtmps://, checked as [relay] tls_verify says) of an origin an edge pulls "
                    "from; repeat for failover, in order (cluster.origins)");
  serve->add_flag("--demo", o.demo, "Also publish a generated test pattern with a clock and a tone as live/demo");
}

namespace {

void print_urls(const Config& c) {
  const std::string host = c.server.bind == "0.0.0.0" || c.server.bind == "::" ? "127.0.0.1" : c.server.bind;
  const std::string watch = c.demo.enabled ? c.demo.stream : "live/NAME";
  fmt::print(
      "\n"
      "  Publish (ffmpeg): ffmpeg -re -i INPUT -c:v libx264 -c:a aac -f flv rtmp://{0}:{1}/live/NAME\n"
      "  Publish (OBS):    Server rtmp://{0}:{1}/live   Stream key: NAME\n"
      "  Watch (RTMP):     ffplay rtmp://{0}:{1}/{3}\n"
      "  Watch (HTTP-FLV): ffplay http://{0}:{2}/{3}.flv   (or open it in VLC)\n",
      host, c.rtmp.port, c.http.port, watch);
  if (c.web.enabled && c.http.enabled)
    fmt::print("  Watch (browser):  http://{0}:{1}/watch/{2}\n"
               "  Dashboard:        http://{0}:{1}/\n",
               host, c.http.port, watch);
  if (c.srt.enabled)
    fmt::print(
        "  Publish (SRT):    ffmpeg -re -i INPUT -c:v libx264 -c:a aac -f mpegts 'srt://{0}:{1}?streamid=publish:live/NAME'\n"
        "  Watch (SRT):      ffplay 'srt://{0}:{1}?streamid=read:{2}'\n",
        host, c.srt.port, watch);
  fmt::print("\n");
  std::fflush(stdout);
}

}  // namespace

Result<Config> load_serve_config(const ServeOptions& o) {
  Config config;
  if (!o.config_file.empty()) {
    auto loaded = load_config_file(o.config_file);
    if (!loaded) return loaded;
    config = std::move(*loaded);
  }
  if (o.rtmp_port) config.rtmp.port = *o.rtmp_port;
  if (o.http_port) config.http.port = *o.http_port;
  if (o.srt_port) {
    config.srt.enabled = *o.srt_port != 0;
    if (*o.srt_port != 0) config.srt.port = *o.srt_port;
  }
  if (o.bind) config.server.bind = *o.bind;
  if (o.workers) config.server.workers = *o.workers;
  if (o.log_level) config.server.log_level = *o.log_level;
  if (o.demo) config.demo.enabled = true;
  if (o.role) config.cluster.role = *o.role;
  if (!o.origins.empty()) config.cluster.origins = o.origins;
  if (auto ok = relay::check_config(config); !ok) return std::unexpected(ok.error());
  return config;
}

int run_serve(const ServeOptions& o) {
  auto config = load_serve_config(o);
  if (!config) {
    fmt::print(stderr, "relaycast: {}\n", config.error().message());
    return 2;
  }

  init_logging(config->server.log_level);
  if (!o.config_file.empty())
    for (const auto& drop_in : config_drop_ins(o.config_file))
      spdlog::info("config: {} read over {}", drop_in.string(), o.config_file);
  // Declared before the server so that it outlives the workers: a session ending on
  // another worker while the server stops may still tell it (on_stop, on_unpublish).
  std::unique_ptr<api::Webhooks> webhooks;
  Server server(*config);
  // The cluster part (registry, heartbeats, balancer) reads its load from the control
  // plane's monitor, created just after it.
  api::ControlPlane* monitor_of = nullptr;
  auto cluster_node = cluster::ClusterNode::create(server.context(), RELAYCAST_VERSION, [&monitor_of] {
    cluster::LoadFigures load;
    if (!monitor_of) return load;
    const auto node = monitor_of->monitor().node();
    for (const auto& s : monitor_of->monitor().streams())
      if (s.live) load.viewers += s.viewers.total();
    load.egress_bps = node.egress_bps;
    load.cpu_percent = node.cpu_percent;
    return load;
  });
  if (!cluster_node) {
    spdlog::error("{}", cluster_node.error().message());
    return 2;
  }
  // The control plane (REST API, /metrics, health) answers on the server's HTTP port.
  api::ControlPlane control(server, {.version = RELAYCAST_VERSION,
                                     .config_file = o.config_file,
                                     .load_config = [o] { return load_serve_config(o); },
                                     .cluster = cluster_node->get()});
  monitor_of = &control;
  if (auto ok = control.start(); !ok) {
    spdlog::error("{}", ok.error().message());
    return 1;
  }
  server.set_http_extension(&control);
  // Only with a hook configured do the sessions ask anyone: none costs nothing.
  if (config->webhooks.any()) {
    auto created = api::Webhooks::create(server.context(), server.main_context());
    if (!created) {
      spdlog::error("{}", created.error().message());
      return 1;
    }
    webhooks = std::move(*created);
    server.set_stream_hooks(webhooks.get());
  }
  if (config->play_tokens.required)
    spdlog::info(
        "play tokens: RTMP, HTTP-FLV and HLS play, and replays of recordings, need ?token=<expiry>.<hmac> "
        "(play_tokens.required)");
  server.set_play_redirector(cluster_node->get());
  server.context().relay.set_origin_locator([node = cluster_node->get()](const std::string& key) { return node->origin_of(key); });
  server.on_reload_signal([&control] {
    if (auto reloaded = control.reload(); !reloaded) spdlog::error("{}", reloaded.error().message());
  });
  if (auto ok = server.start(); !ok) {
    spdlog::error("{}", ok.error().message());
    return 1;
  }
  if (webhooks) webhooks->start();
  print_urls(*config);
  (*cluster_node)->start();
  server.run();
  if (webhooks) webhooks->stop();
  (*cluster_node)->stop();
  control.stop();
  return 0;
}

}  // namespace relaycast
