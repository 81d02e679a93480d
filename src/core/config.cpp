#include "core/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/ranges.h>
#include <toml++/toml.h>

namespace relaycast {
namespace {

using Setter = std::function<Result<void>(const toml::node&)>;
using Section = std::map<std::string, Setter, std::less<>>;

std::string where(const toml::node& n) {
  const auto& s = n.source().begin;
  return fmt::format("line {}", s.line);
}

template <class T>
Setter unsigned_key(T& field, uint64_t lo, uint64_t hi) {
  return [&field, lo, hi](const toml::node& n) -> Result<void> {
    // is_integer() first: value<int64_t>() converts a float unchecked, and 80e81 does
    // not fit (undefined behaviour, found by fuzzing).
    auto v = n.is_integer() ? n.value<int64_t>() : std::nullopt;
    if (!v || *v < 0 || uint64_t(*v) < lo || uint64_t(*v) > hi)
      return fail(Errc::config, "{}: must be a whole number from {} to {}", where(n), lo, hi);
    field = T(*v);
    return {};
  };
}

Setter ratio_key(double& field) {
  return [&field](const toml::node& n) -> Result<void> {
    auto v = n.value<double>();
    if (!(n.is_floating_point() || n.is_integer()) || !v || *v < 0 || *v > 1)
      return fail(Errc::config, "{}: must be a number from 0 to 1 (0 turns the check off)", where(n));
    field = *v;
    return {};
  };
}

Setter number_key(double& field, double lo, double hi) {
  return [&field, lo, hi](const toml::node& n) -> Result<void> {
    auto v = n.value<double>();
    if (!(n.is_floating_point() || n.is_integer()) || !v || *v < lo || *v > hi)
      return fail(Errc::config, "{}: must be a number from {} to {}", where(n), lo, hi);
    field = *v;
    return {};
  };
}

Setter bool_key(bool& field) {
  return [&field](const toml::node& n) -> Result<void> {
    if (!n.is_boolean()) return fail(Errc::config, "{}: must be true or false", where(n));
    field = *n.value<bool>();
    return {};
  };
}

Setter string_key(std::string& field, std::vector<std::string> allowed = {}) {
  return [&field, allowed = std::move(allowed)](const toml::node& n) -> Result<void> {
    if (!n.is_string()) return fail(Errc::config, "{}: must be a string", where(n));
    std::string v = *n.value<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      return fail(Errc::config, "{}: \"{}\" is not one of {}", where(n), v, fmt::join(allowed, ", "));
    field = std::move(v);
    return {};
  };
}

Setter stream_keys(std::vector<StreamKey>& field) {
  return [&field](const toml::node& n) -> Result<void> {
    const auto* array = n.as_array();
    if (!array) return fail(Errc::config, "{}: must be an array of {{ stream = \"app/name\", key = \"...\" }}", where(n));
    field.clear();
    for (const auto& item : *array) {
      const auto* t = item.as_table();
      auto stream = t ? (*t)["stream"].value<std::string>() : std::nullopt;
      auto key = t ? (*t)["key"].value<std::string>() : std::nullopt;
      if (!stream || !key || key->empty() || stream->find('/') == std::string::npos)
        return fail(Errc::config, "{}: each entry needs stream = \"app/name\" (or \"app/*\") and a non-empty key",
                    where(item));
      field.push_back({*stream, *key});
    }
    return {};
  };
}

Setter string_list(std::vector<std::string>& field, std::string_view what) {
  return [&field, what](const toml::node& n) -> Result<void> {
    const auto* array = n.as_array();
    if (!array) return fail(Errc::config, "{}: must be an array of {}", where(n), what);
    field.clear();
    for (const auto& item : *array) {
      auto v = item.value<std::string>();
      if (!item.is_string() || !v || v->empty()) return fail(Errc::config, "{}: each entry must be {}", where(item), what);
      field.push_back(*v);
    }
    return {};
  };
}

// One [[relay.push]] table. Unknown keys are refused here too: a misspelt tls_verify
// would otherwise leave verification on (or off) without a word.
Result<PushTarget> push_target(const toml::node& item) {
  const char* shape = "each push needs app = \"name\" and url = \"rtmp://host[:port]/app/name\" or "
                      "\"rtmps://host[:port]/app/name\" (stream = \"name\" or \"*\", tls_verify and tls_ca_file "
                      "are optional)";
  const auto* t = item.as_table();
  if (!t) return fail(Errc::config, "{}: {}", where(item), shape);
  for (const auto& [key, value] : *t)
    if (key != "app" && key != "stream" && key != "url" && key != "tls_verify" && key != "tls_ca_file")
      return fail(Errc::config, "{}: unknown key \"{}\" in a push; {}", where(value), key.str(), shape);
  auto app = (*t)["app"].value<std::string>();
  auto stream = (*t)["stream"].value<std::string>();
  auto url = (*t)["url"].value<std::string>();
  if (!app || app->empty() || !url || !(url->starts_with("rtmp://") || url->starts_with("rtmps://")))
    return fail(Errc::config, "{}: {}", where(item), shape);
  PushTarget target{*app, stream.value_or("*"), *url};
  if (const auto* verify = t->get("tls_verify")) {
    if (!verify->is_boolean()) return fail(Errc::config, "{}: tls_verify must be true or false", where(*verify));
    target.tls_verify = *verify->value<bool>();
  }
  if (const auto* ca = t->get("tls_ca_file")) {
    if (!ca->is_string()) return fail(Errc::config, "{}: tls_ca_file must be a string (a PEM file)", where(*ca));
    target.tls_ca_file = *ca->value<std::string>();
  }
  if ((target.tls_verify || !target.tls_ca_file.empty()) && !url->starts_with("rtmps://"))
    return fail(Errc::config, "{}: \"{}\": tls_verify and tls_ca_file apply to rtmps:// URLs only", where(item), *url);
  return target;
}

Setter push_targets(std::vector<PushTarget>& field) {
  return [&field](const toml::node& n) -> Result<void> {
    const auto* array = n.as_array();
    if (!array)
      return fail(Errc::config, "{}: must be an array of {{ app = \"live\", stream = \"*\", url = \"rtmp://...\" }}",
                  where(n));
    field.clear();
    for (const auto& item : *array) {
      auto target = push_target(item);
      if (!target) return std::unexpected(std::move(target.error()));
      field.push_back(std::move(*target));
    }
    return {};
  };
}

// A webhook URL: empty (no hook) or http://host[:port]/path. TLS is left to a local
// proxy: the hook client speaks plain HTTP only, and says so rather than failing later.
Setter webhook_url(std::string& field) {
  return [&field](const toml::node& n) -> Result<void> {
    if (!n.is_string()) return fail(Errc::config, "{}: must be a string \"http://host[:port]/path\"", where(n));
    std::string v = *n.value<std::string>();
    if (v.starts_with("https://"))
      return fail(Errc::config, "{}: \"{}\": https is not supported for webhooks; use http:// (a local proxy can add TLS)",
                  where(n), v);
    if (!v.empty() && (!v.starts_with("http://") || v.size() == 7 || v[7] == '/'))
      return fail(Errc::config, "{}: \"{}\" is not a URL like \"http://host[:port]/path\"", where(n), v);
    field = std::move(v);
    return {};
  };
}

Setter srt_passphrase_key(std::string& field) {
  return [&field](const toml::node& n) -> Result<void> {
    auto v = n.value<std::string>();
    if (!n.is_string() || !v || (!v->empty() && (v->size() < 10 || v->size() > 79)))
      return fail(Errc::config, "{}: must be a string of 10 to 79 characters (SRT's limits), or empty", where(n));
    field = *v;
    return {};
  };
}

// Checks that involve more than one key.
Result<void> check_together(const Config& c, std::string_view source) {
  if (c.play_tokens.required && c.play_tokens.secret.empty())
    return fail(Errc::config, "{}: play_tokens.required = true needs play_tokens.secret (a long random string)", source);
  if (const auto& a = c.autoscale; a.enabled) {
    if (!(a.scale_down_at < a.target_load && a.target_load < a.scale_up_at))
      return fail(Errc::config, "{}: autoscale needs scale_down_at < target_load < scale_up_at (now {} < {} < {})",
                  source, a.scale_down_at, a.target_load, a.scale_up_at);
    if (a.min_edges > a.max_edges)
      return fail(Errc::config, "{}: autoscale.min_edges ({}) is above max_edges ({})", source, a.min_edges,
                  a.max_edges);
  }
  return {};
}

Setter srt_passphrases(std::vector<SrtPassphrase>& field) {
  return [&field](const toml::node& n) -> Result<void> {
    const auto* array = n.as_array();
    if (!array)
      return fail(Errc::config, "{}: must be an array of {{ app = \"live\", passphrase = \"...\" }}", where(n));
    field.clear();
    for (const auto& item : *array) {
      const auto* t = item.as_table();
      auto app = t ? (*t)["app"].value<std::string>() : std::nullopt;
      auto passphrase = t ? (*t)["passphrase"].value<std::string>() : std::nullopt;
      if (!app || app->empty() || !passphrase || passphrase->size() < 10 || passphrase->size() > 79)
        return fail(Errc::config, "{}: each entry needs app = \"name\" and a passphrase of 10 to 79 characters",
                    where(item));
      field.push_back({*app, *passphrase});
    }
    return {};
  };
}

std::map<std::string, Section, std::less<>> schema(Config& c) {
  constexpr uint64_t u32 = std::numeric_limits<uint32_t>::max();
  return {
      {"server",
       {{"bind", string_key(c.server.bind)},
        {"workers", unsigned_key(c.server.workers, 0, 256)},
        {"log_level", string_key(c.server.log_level, {"trace", "debug", "info", "warn", "error", "off"})},
        {"max_connections", unsigned_key(c.server.max_connections, 1, 1000000)},
        {"max_connections_per_ip", unsigned_key(c.server.max_connections_per_ip, 1, 1000000)},
        {"state_dir", string_key(c.server.state_dir)}}},
      {"rtmp",
       {{"enabled", bool_key(c.rtmp.enabled)},
        {"port", unsigned_key(c.rtmp.port, 1, 65535)},
        {"chunk_size", unsigned_key(c.rtmp.chunk_size, 128, 16 * 1024 * 1024)},
        {"max_message_size", unsigned_key(c.rtmp.max_message_size, 1024, 0xFFFFFF)},
        {"max_chunk_size", unsigned_key(c.rtmp.max_chunk_size, 128, 0x7FFFFFFF)},
        {"window_ack_size", unsigned_key(c.rtmp.window_ack_size, 4096, u32)},
        {"handshake_timeout_ms", unsigned_key(c.rtmp.handshake_timeout_ms, 100, u32)},
        {"idle_timeout_ms", unsigned_key(c.rtmp.idle_timeout_ms, 100, u32)},
        {"send_timeout_ms", unsigned_key(c.rtmp.send_timeout_ms, 100, u32)}}},
      {"http",
       {{"enabled", bool_key(c.http.enabled)},
        {"port", unsigned_key(c.http.port, 1, 65535)},
        {"max_header_bytes", unsigned_key(c.http.max_header_bytes, 512, 1024 * 1024)},
        {"header_timeout_ms", unsigned_key(c.http.header_timeout_ms, 100, u32)},
        {"send_timeout_ms", unsigned_key(c.http.send_timeout_ms, 100, u32)},
        {"cors_origin", string_key(c.http.cors_origin)}}},
      {"tls",
       {{"certificate", string_key(c.tls.certificate)},
        {"private_key", string_key(c.tls.private_key)},
        {"rtmps_port", unsigned_key(c.tls.rtmps_port, 0, 65535)},
        {"https_port", unsigned_key(c.tls.https_port, 0, 65535)},
        {"handshake_timeout_ms", unsigned_key(c.tls.handshake_timeout_ms, 100, u32)}}},
      {"srt",
       {{"enabled", bool_key(c.srt.enabled)},
        {"port", unsigned_key(c.srt.port, 1, 65535)},
        {"latency_ms", unsigned_key(c.srt.latency_ms, 20, 10000)},
        {"passphrase", srt_passphrase_key(c.srt.passphrase)},
        {"passphrases", srt_passphrases(c.srt.passphrases)},
        {"max_connections", unsigned_key(c.srt.max_connections, 1, 100000)}}},
      {"stream",
       {{"max_streams", unsigned_key(c.stream.max_streams, 1, 1000000)},
        {"takeover", bool_key(c.stream.takeover)},
        {"max_ring_bytes", unsigned_key(c.stream.max_ring_bytes, 64 * 1024, uint64_t(1) << 36)},
        {"max_viewer_lag_ms", unsigned_key(c.stream.max_viewer_lag_ms, 100, 600000)},
        {"max_skips_per_minute", unsigned_key(c.stream.max_skips_per_minute, 0, 100000)},
        {"max_timestamp_backstep_ms", unsigned_key(c.stream.max_timestamp_backstep_ms, 0, u32)},
        {"write_batch_ms", unsigned_key(c.stream.write_batch_ms, 0, 1000)},
        {"viewer_send_buffer_bytes", unsigned_key(c.stream.viewer_send_buffer_bytes, 0, 64 * 1024 * 1024)}}},
      {"hls",
       {{"enabled", bool_key(c.hls.enabled)},
        {"segment_ms", unsigned_key(c.hls.segment_ms, 500, 60000)},
        {"part_ms", unsigned_key(c.hls.part_ms, 100, 5000)},
        {"window", unsigned_key(c.hls.window, 2, 100)},
        {"force_cut_ms", unsigned_key(c.hls.force_cut_ms, 1000, 120000)},
        {"block_timeout_ms", unsigned_key(c.hls.block_timeout_ms, 500, 60000)},
        {"linger_ms", unsigned_key(c.hls.linger_ms, 0, 3600000)},
        {"directory", string_key(c.hls.directory)}}},
      {"record",
       {{"enabled", bool_key(c.record.enabled)},
        {"streams", string_list(c.record.streams, "\"app/name\" or \"app/*\" strings")},
        {"directory", string_key(c.record.directory)},
        {"fragment_ms", unsigned_key(c.record.fragment_ms, 100, 60000)},
        {"max_file_mb", unsigned_key(c.record.max_file_mb, 0, 1024 * 1024)},
        {"max_duration_s", unsigned_key(c.record.max_duration_s, 0, 7 * 86400)},
        {"max_queue_mb", unsigned_key(c.record.max_queue_mb, 1, 4096)},
        {"sync_s", unsigned_key(c.record.sync_s, 0, 3600)}}},
      {"auth", {{"publish_keys", stream_keys(c.auth.publish_keys)}}},
      {"demo",
       {{"enabled", bool_key(c.demo.enabled)},
        {"stream", string_key(c.demo.stream)},
        {"ffmpeg", string_key(c.demo.ffmpeg)}}},
      {"cluster",
       {{"role", string_key(c.cluster.role, {"origin", "edge"})},
        {"origins", string_list(c.cluster.origins, "\"rtmp://host:port\" strings")},
        {"play_wait_ms", unsigned_key(c.cluster.play_wait_ms, 100, 60000)},
        {"idle_timeout_ms", unsigned_key(c.cluster.idle_timeout_ms, 100, 86400000)},
        {"connect_timeout_ms", unsigned_key(c.cluster.connect_timeout_ms, 100, 60000)},
        {"stall_timeout_ms", unsigned_key(c.cluster.stall_timeout_ms, 100, 600000)},
        {"backoff_min_ms", unsigned_key(c.cluster.backoff_min_ms, 0, 600000)},
        {"backoff_max_ms", unsigned_key(c.cluster.backoff_max_ms, 0, 600000)},
        {"max_attempts", unsigned_key(c.cluster.max_attempts, 1, 1000000)},
        {"forward_publish", bool_key(c.cluster.forward_publish)},
        {"node_id", string_key(c.cluster.node_id)},
        {"registry", string_key(c.cluster.registry)},
        {"heartbeat_urls", string_list(c.cluster.heartbeat_urls, "\"http://host:port\" strings")},
        {"registry_token", string_key(c.cluster.registry_token)},
        {"join_secret", string_key(c.cluster.join_secret)},
        {"join_token", string_key(c.cluster.join_token)},
        {"heartbeat_ms", unsigned_key(c.cluster.heartbeat_ms, 100, 60000)},
        {"down_after_ms", unsigned_key(c.cluster.down_after_ms, 300, 600000)},
        {"capacity", unsigned_key(c.cluster.capacity, 0, 10000000)},
        {"public_rtmp_url", string_key(c.cluster.public_rtmp_url)},
        {"public_http_url", string_key(c.cluster.public_http_url)},
        {"balance_app", string_key(c.cluster.balance_app)}}},
      {"autoscale",
       {{"enabled", bool_key(c.autoscale.enabled)},
        {"metric", string_key(c.autoscale.metric, {"viewers", "egress"})},
        {"egress_capacity_bps", unsigned_key(c.autoscale.egress_capacity_bps, 1000, uint64_t(1) << 50)},
        {"target_load", number_key(c.autoscale.target_load, 0.01, 10)},
        {"scale_up_at", number_key(c.autoscale.scale_up_at, 0.01, 10)},
        {"scale_down_at", number_key(c.autoscale.scale_down_at, 0, 10)},
        {"min_edges", unsigned_key(c.autoscale.min_edges, 0, 10000)},
        {"max_edges", unsigned_key(c.autoscale.max_edges, 0, 10000)},
        {"scale_up_cooldown_s", unsigned_key(c.autoscale.scale_up_cooldown_s, 0, 86400)},
        {"scale_down_cooldown_s", unsigned_key(c.autoscale.scale_down_cooldown_s, 0, 86400)},
        {"evaluate_ms", unsigned_key(c.autoscale.evaluate_ms, 100, 3600000)},
        {"launch_timeout_s", unsigned_key(c.autoscale.launch_timeout_s, 1, 86400)},
        {"drain_timeout_s", unsigned_key(c.autoscale.drain_timeout_s, 0, 86400 * 7)},
        {"command_timeout_s", unsigned_key(c.autoscale.command_timeout_s, 1, 86400)},
        {"scale_up_command", string_key(c.autoscale.scale_up_command)},
        {"scale_down_command", string_key(c.autoscale.scale_down_command)}}},
      {"relay",
       {{"push", push_targets(c.relay.push)},
        {"tls_verify", bool_key(c.relay.tls_verify)},
        {"tls_ca_file", string_key(c.relay.tls_ca_file)}}},
      {"health",
       {{"measure_ms", unsigned_key(c.health.measure_ms, 1000, 60000)},
        {"baseline_ms", unsigned_key(c.health.baseline_ms, 2000, 3600000)},
        {"min_fps_ratio", ratio_key(c.health.min_fps_ratio)},
        {"min_bitrate_ratio", ratio_key(c.health.min_bitrate_ratio)},
        {"max_keyframe_interval_ms", unsigned_key(c.health.max_keyframe_interval_ms, 100, 3600000)},
        {"max_timestamp_jump_ms", unsigned_key(c.health.max_timestamp_jump_ms, 100, 3600000)},
        {"max_av_drift_ms", unsigned_key(c.health.max_av_drift_ms, 100, 3600000)},
        {"max_arrival_gap_ms", unsigned_key(c.health.max_arrival_gap_ms, 100, 3600000)},
        {"offline_after_ms", unsigned_key(c.health.offline_after_ms, 500, 3600000)},
        {"recover_ms", unsigned_key(c.health.recover_ms, 0, 3600000)},
        {"offline_linger_ms", unsigned_key(c.health.offline_linger_ms, 0, 86400000)}}},
      {"api",
       {{"enabled", bool_key(c.api.enabled)},
        {"token", string_key(c.api.token)},
        {"keys_file", string_key(c.api.keys_file)}}},
      {"metrics", {{"enabled", bool_key(c.metrics.enabled)}, {"auth", bool_key(c.metrics.auth)}}},
      {"webhooks",
       {{"on_publish", webhook_url(c.webhooks.on_publish)},
        {"on_unpublish", webhook_url(c.webhooks.on_unpublish)},
        {"on_play", webhook_url(c.webhooks.on_play)},
        {"on_stop", webhook_url(c.webhooks.on_stop)},
        {"on_record_done", webhook_url(c.webhooks.on_record_done)},
        {"timeout_ms", unsigned_key(c.webhooks.timeout_ms, 50, 60000)},
        {"failure_policy", string_key(c.webhooks.failure_policy, {"allow", "deny"})},
        {"retries", unsigned_key(c.webhooks.retries, 0, 100)},
        {"retry_backoff_ms", unsigned_key(c.webhooks.retry_backoff_ms, 0, 600000)}}},
      {"play_tokens", {{"secret", string_key(c.play_tokens.secret)}, {"required", bool_key(c.play_tokens.required)}}},
      {"web", {{"enabled", bool_key(c.web.enabled)}, {"directory", string_key(c.web.directory)}}},
  };
}

std::string names(const auto& map) {
  std::vector<std::string> out;
  for (const auto& [k, v] : map) out.push_back(k);
  return fmt::format("{}", fmt::join(out, ", "));
}

// Sets every key of `text` on `config`, over what it holds already.
Result<void> apply_toml(Config& config, std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fail(Errc::config, "{}: line {}: {}", source, e.source().begin.line, e.description());
  }
  auto sections = schema(config);
  for (const auto& [name, node] : root) {
    auto section = sections.find(name.str());
    if (section == sections.end())
      return fail(Errc::config, "{}: unknown section [{}] (known: {})", source, name.str(), names(sections));
    const auto* table = node.as_table();
    if (!table) return fail(Errc::config, "{}: {} must be a table ([{}])", source, name.str(), name.str());
    for (const auto& [key, value] : *table) {
      auto setter = section->second.find(key.str());
      if (setter == section->second.end())
        return fail(Errc::config, "{}: unknown key {}.{} (known in [{}]: {})", source, name.str(), key.str(),
                    name.str(), names(section->second));
      if (auto ok = setter->second(value); !ok)
        return std::unexpected(std::move(ok.error()).context(fmt::format("{}: {}.{}", source, name.str(), key.str())));
    }
  }
  return {};
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::config, "{}: cannot be read", path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view source) {
  Config config;
  if (auto ok = apply_toml(config, text, source); !ok) return std::unexpected(ok.error());
  if (auto ok = check_together(config, source); !ok) return std::unexpected(ok.error());
  return config;
}

std::vector<std::filesystem::path> config_drop_ins(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::vector<fs::path> found;
  std::error_code ec;
  const fs::path directory = fs::absolute(path, ec).parent_path() / "conf.d";
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml" && it->is_regular_file(ec)) found.push_back(it->path());
  std::sort(found.begin(), found.end());
  return found;
}

Result<Config> load_config_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  Config config;
  if (auto ok = apply_toml(config, *text, path.string()); !ok) return std::unexpected(ok.error());
  std::string sources = path.string();
  for (const auto& drop_in : config_drop_ins(path)) {
    auto more = read_file(drop_in);
    if (!more) return std::unexpected(more.error());
    if (auto ok = apply_toml(config, *more, drop_in.string()); !ok) return std::unexpected(ok.error());
    sources += " + " + drop_in.string();
  }
  if (auto ok = check_together(config, sources); !ok) return std::unexpected(ok.error());
  return config;
}

std::filesystem::path state_directory(const Config& config) {
  namespace fs = std::filesystem;
  if (!config.server.state_dir.empty()) return config.server.state_dir;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (auto d = env("STATE_DIRECTORY"); !d.empty()) return d;
  if (auto d = env("XDG_STATE_HOME"); !d.empty()) return fs::path(d) / "relaycast";
  if (auto d = env("HOME"); !d.empty()) return fs::path(d) / ".local/state/relaycast";
  return "relaycast-state";
}

}  // namespace relaycast
