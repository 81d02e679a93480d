#include "api/config_reload.hpp"

#include <fmt/format.h>

namespace relaycast::api {

Config apply_live_settings(const Config& running, const Config& loaded) {
  Config c = running;
  c.server.log_level = loaded.server.log_level;
  c.server.max_connections = loaded.server.max_connections;
  c.server.max_connections_per_ip = loaded.server.max_connections_per_ip;
  c.auth = loaded.auth;
  c.health = loaded.health;
  c.api.token = loaded.api.token;
  c.metrics.auth = loaded.metrics.auth;
  return c;
}

ReloadPlan plan_reload(const Config& running, const Config& loaded) {
  ReloadPlan plan;
  const auto& r = running;
  const auto& l = loaded;
  if (r.server.log_level != l.server.log_level)
    plan.applied.push_back(fmt::format("server.log_level: {} -> {}", r.server.log_level, l.server.log_level));
  if (r.server.max_connections != l.server.max_connections)
    plan.applied.push_back(fmt::format("server.max_connections: {} -> {}", r.server.max_connections,
                                       l.server.max_connections));
  if (r.server.max_connections_per_ip != l.server.max_connections_per_ip)
    plan.applied.push_back(fmt::format("server.max_connections_per_ip: {} -> {}", r.server.max_connections_per_ip,
                                       l.server.max_connections_per_ip));
  if (r.auth.publish_keys != l.auth.publish_keys)
    plan.applied.push_back(fmt::format("auth.publish_keys: {} -> {} key(s)", r.auth.publish_keys.size(),
                                       l.auth.publish_keys.size()));
  if (r.health != l.health) plan.applied.push_back("[health] thresholds");
  if (r.api.token != l.api.token) plan.applied.push_back("api.token");
  if (r.metrics.auth != l.metrics.auth)
    plan.applied.push_back(fmt::format("metrics.auth: {} -> {}", r.metrics.auth, l.metrics.auth));

  // What is left different once the live settings are taken over needs a restart.
  const Config after = apply_live_settings(running, loaded);
  auto restart = [&](bool differs, std::string what) {
    if (differs) plan.needs_restart.push_back(std::move(what));
  };
  restart(after.server.bind != l.server.bind, "server.bind");
  restart(after.server.workers != l.server.workers, "server.workers");
  restart(after.server.state_dir != l.server.state_dir, "server.state_dir");
  restart(after.rtmp != l.rtmp, "[rtmp]");
  restart(after.http != l.http, "[http]");
  restart(after.stream != l.stream, "[stream]");
  restart(after.hls != l.hls, "[hls]");
  restart(after.tls != l.tls, "[tls]");
  restart(after.srt != l.srt, "[srt]");
  restart(after.record != l.record, "[record]");
  restart(after.demo != l.demo, "[demo]");
  restart(after.cluster != l.cluster, "[cluster]");
  restart(after.autoscale != l.autoscale, "[autoscale]");
  restart(after.relay != l.relay, "[relay] (push rules can change live through POST/DELETE /api/v1/pushes)");
  restart(after.api.enabled != l.api.enabled, "api.enabled");
  restart(after.api.keys_file != l.api.keys_file, "api.keys_file");
  restart(after.metrics.enabled != l.metrics.enabled, "metrics.enabled");
  restart(after.webhooks != l.webhooks, "[webhooks]");
  restart(after.play_tokens != l.play_tokens, "[play_tokens]");
  restart(after.web != l.web, "[web]");
  return plan;
}

}  // namespace relaycast::api
