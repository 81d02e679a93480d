#include "cli/client_commands.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "cli/table.hpp"

namespace relaycast::cli {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

// Exit codes: 0 done, 1 the server said no (not found, refused, ...), 3 no server.
constexpr int kRefused = 1;
constexpr int kUnreachable = 3;

// One API call: prints the error and returns its exit code, or hands the body on.
int request(const ClientOptions& o, http::verb method, const std::string& path,
            const std::function<void(const json&)>& print, const std::optional<json>& body = std::nullopt) {
  auto reply = call_api(o.target, method, path, body);
  if (!reply) {
    fmt::print(stderr, "relaycast: {}\n", reply.error().message());
    return reply.error().is(Errc::config) ? 2 : kUnreachable;
  }
  if (reply->status < 200 || reply->status >= 300) {
    fmt::print(stderr, "relaycast: {}\n", describe_failure(*reply));
    return kRefused;
  }
  if (o.json) {
    fmt::print("{}\n", reply->body.dump(2));
  } else {
    print(reply->body);
  }
  std::fflush(stdout);
  return 0;
}

std::string viewers_cell(const json& v) {
  return fmt::format("{} (rtmp {}, flv {}, hls {})", cell_text(v["total"]), cell_text(v["rtmp"]), cell_text(v["flv"]),
                     cell_text(v["hls"]));
}

std::string health_cell(const json& h) {
  const std::string state = cell_text(h["state"]);
  const std::string reason = h["reason"].is_string() ? h["reason"].get<std::string>() : "";
  return reason.empty() ? state : state + ": " + reason;
}

void print_server_status(const json& s) {
  const auto& v = s["viewers"];
  const auto& st = s["streams"];
  fmt::print("relaycast {} ({}), up {}, pid {}\n", cell_text(s["version"]), cell_text(s["role"]),
             human_duration(s["uptime_s"].get<double>()), cell_text(s["pid"]));
  fmt::print("  CPU        {:.1f} %   memory {}\n", s["cpu_percent"].get<double>(),
             human_bytes(s["memory_rss_bytes"].get<uint64_t>()));
  fmt::print("  traffic    in {}   out {}\n", human_bitrate(json_number(s["ingress_bps"])),
             human_bitrate(json_number(s["egress_bps"])));
  fmt::print("  streams    {} live ({} healthy, {} degraded, {} offline)\n", cell_text(st["live"]),
             cell_text(st["healthy"]), cell_text(st["degraded"]), cell_text(st["offline"]));
  fmt::print("  viewers    {}\n", viewers_cell(v));
  fmt::print("  clients    {} connections\n", cell_text(s["connections"]));
  fmt::print("  API auth   {}\n",
             cell_text(s["api_auth"]) == "token" ? "bearer token" : "loopback only (no api.token)");
}

void print_streams(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : body["streams"]) {
    const auto& video = s["video"];
    rows.push_back(
        {cell_text(s["key"]), health_cell(s["health"]),
         video.is_object() ? fmt::format("{}x{}", cell_text(video["width"]), cell_text(video["height"])) : "-",
         video.is_object() && video["fps"].is_number() ? fmt::format("{:.1f}", video["fps"].get<double>()) : "-",
         human_bitrate(json_number(s["bitrate_bps"])), cell_text(s["viewers"]["total"]),
         human_duration(s["uptime_s"].get<double>()), cell_text(s["publisher"]["address"])});
  }
  if (rows.empty()) {
    fmt::print("no streams\n");
    return;
  }
  fmt::print("{}", render_table({"STREAM", "HEALTH", "VIDEO", "FPS", "BITRATE", "VIEWERS", "UPTIME", "PUBLISHER"}, rows));
}

void print_stream(const json& s) {
  std::vector<std::vector<std::string>> rows;
  auto row = [&](std::string name, std::string value) { rows.push_back({std::move(name), std::move(value)}); };
  row("stream", cell_text(s["key"]) + (s["live"].get<bool>() ? " (live)" : " (stopped)"));
  row("health", health_cell(s["health"]));
  row("publisher", fmt::format("{} {} (client {})", cell_text(s["publisher"]["protocol"]),
                               cell_text(s["publisher"]["address"]), cell_text(s["publisher"]["client_id"])));
  row("started", cell_text(s["started_at"]) + ", up " + human_duration(s["uptime_s"].get<double>()));
  if (s["video"].is_object()) {
    const auto& v = s["video"];
    row("video", cell_text(v["description"]));
    row("frame rate", v["fps"].is_number() ? fmt::format("{:.2f} fps", v["fps"].get<double>()) : "-");
    row("keyframes", v["keyframe_interval_s"].is_number()
                         ? fmt::format("every {:.2f} s", v["keyframe_interval_s"].get<double>())
                         : "-");
  }
  if (s["audio"].is_object()) row("audio", cell_text(s["audio"]["description"]));
  row("bitrate", human_bitrate(json_number(s["bitrate_bps"])));
  row("received", human_bytes(s["bytes_in"].get<uint64_t>()));
  row("viewers", viewers_cell(s["viewers"]));
  row("dropped", cell_text(s["dropped_frames"]) + " frames");
  const auto& h = s["health"];
  if (h["av_drift_ms"].is_number()) row("a/v drift", cell_text(h["av_drift_ms"]) + " ms");
  fmt::print("{}", render_table({"FIELD", "VALUE"}, rows));
}

void print_clients(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : body["clients"]) {
    const std::string output = c["output"].is_string() ? " (" + c["output"].get<std::string>() + ")" : "";
    rows.push_back({cell_text(c["id"]), cell_text(c["protocol"]), cell_text(c["role"]) + output, cell_text(c["stream"]),
                    cell_text(c["address"]), human_duration(c["connected_s"].get<double>()),
                    human_bytes(c["bytes_in"].get<uint64_t>()), human_bytes(c["bytes_out"].get<uint64_t>())});
  }
  fmt::print("{}", render_table({"ID", "PROTOCOL", "ROLE", "STREAM", "ADDRESS", "CONNECTED", "IN", "OUT"}, rows));
}

void print_keys(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : body["keys"])
    rows.push_back({cell_text(k["stream"]), cell_text(k["key"]), cell_text(k["source"]), cell_text(k["created_at"])});
  if (rows.empty()) {
    fmt::print("no stream keys: anyone may publish (API keys are kept in {})\n", cell_text(body["file"]));
    return;
  }
  fmt::print("{}", render_table({"STREAM", "KEY", "SOURCE", "CREATED"}, rows));
}

void print_recordings(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : body["recordings"]) {
    std::string state = r["in_progress"].get<bool>() ? "recording" : r["playable"].get<bool>() ? "done" : "unplayable";
    rows.push_back({cell_text(r["stream"]), cell_text(r["file"]), human_duration(r["duration_ms"].get<double>() / 1000),
                    human_bytes(r["bytes"].get<uint64_t>()), state, cell_text(r["hls_url"])});
  }
  if (rows.empty())
    fmt::print("no recordings in {}\n", cell_text(body["directory"]));
  else
    fmt::print("{}", render_table({"STREAM", "FILE", "DURATION", "SIZE", "STATE", "REPLAY"}, rows));
  for (const auto& s : body["sessions"])
    if (s["state"] == "failed") fmt::print("failed: {}: {}\n", cell_text(s["stream"]), cell_text(s["error"]));
}

// "live/cam" -> "/live/cam"; names are checked by the server.
std::string stream_path(const std::string& stream) { return "/" + stream; }

std::string url_escape(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += char(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

void add_common_options(CLI::App* command, ClientOptions& o) {
  command->add_option("--server", o.target.server, "The server's HTTP address (default http://127.0.0.1:8080)")
      ->envname("RELAYCAST_SERVER");
  command->add_option("--token", o.target.token, "The server's api.token, if it has one")->envname("RELAYCAST_TOKEN");
  command->add_flag("--json", o.json, "Print the API's JSON instead of a table");
}

std::string cell_text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::optional<double> json_number(const json& v) {
  return v.is_number() ? std::optional(v.get<double>()) : std::nullopt;
}

int run_request(const ClientOptions& o, http::verb method, const std::string& path,
                const std::function<void(const json&)>& print, const std::optional<json>& body) {
  return request(o, method, path, print, body);
}

void add_client_commands(CLI::App& app, ClientOptions& o, std::function<int()>& run) {
  auto common = [&o](CLI::App* command) { add_common_options(command, o); };
  auto stream_arg = [&o](CLI::App* command) {
    command->add_option("stream", o.stream, "The stream, as APP/NAME")->required()->check([](const std::string& s) {
      return s.find('/') == std::string::npos ? std::string("a stream is APP/NAME, like live/cam") : std::string();
    });
  };

  auto* status = app.add_subcommand("status", "The server: version, uptime, CPU, memory, traffic, streams, viewers");
  common(status);
  status->callback([&] { run = [&] { return request(o, http::verb::get, "/api/v1/server", print_server_status); }; });

  auto* streams = app.add_subcommand("streams", "Live streams: list, show one, kick its publisher");
  streams->require_subcommand(1);
  auto* ls = streams->add_subcommand("ls", "List streams with health, video, bitrate and viewers");
  common(ls);
  ls->callback([&] { run = [&] { return request(o, http::verb::get, "/api/v1/streams", print_streams); }; });
  auto* show = streams->add_subcommand("show", "Everything about one stream");
  common(show);
  stream_arg(show);
  show->callback([&] {
    run = [&] { return request(o, http::verb::get, "/api/v1/streams" + stream_path(o.stream), print_stream); };
  });
  auto* kick = streams->add_subcommand("kick", "Disconnect the stream's publisher");
  common(kick);
  stream_arg(kick);
  kick->callback([&] {
    run = [&] {
      return request(o, http::verb::delete_, "/api/v1/streams" + stream_path(o.stream), [&](const json& b) {
        fmt::print("kicked the publisher of {} (client {}, {})\n", o.stream, cell_text(b["kicked"]["id"]),
                   cell_text(b["kicked"]["address"]));
      });
    };
  });

  auto* clients = app.add_subcommand("clients", "Connections: list, kick one");
  clients->require_subcommand(1);
  auto* cls = clients->add_subcommand("ls", "List publishers, viewers and other connections");
  common(cls);
  cls->callback([&] { run = [&] { return request(o, http::verb::get, "/api/v1/clients", print_clients); }; });
  auto* ckick = clients->add_subcommand("kick", "Disconnect a client by id (from clients ls)");
  common(ckick);
  ckick->add_option("id", o.client_id, "The client's id")->required();
  ckick->callback([&] {
    run = [&] {
      return request(o, http::verb::delete_, fmt::format("/api/v1/clients/{}", o.client_id), [&](const json& b) {
        fmt::print("kicked client {} ({} {})\n", o.client_id, cell_text(b["kicked"]["role"]),
                   cell_text(b["kicked"]["address"]));
      });
    };
  });

  auto* keys = app.add_subcommand("keys", "Stream keys: list, add, remove (kept across restarts)");
  keys->require_subcommand(1);
  auto* kls = keys->add_subcommand("ls", "List keys from the config file and from the API");
  common(kls);
  kls->callback([&] { run = [&] { return request(o, http::verb::get, "/api/v1/keys", print_keys); }; });
  auto* kadd = keys->add_subcommand("add", "Add a key for APP/NAME (or APP/*); generated unless --key");
  common(kadd);
  stream_arg(kadd);
  kadd->add_option("--key", o.key, "The key (8-256 of A-Z a-z 0-9 - . _ ~)");
  kadd->callback([&] {
    run = [&] {
      json body = {{"stream", o.stream}};
      if (!o.key.empty()) body["key"] = o.key;
      return request(
          o, http::verb::post, "/api/v1/keys",
          [&](const json& b) {
            fmt::print("added a key for {}: {}\npublish to rtmp://HOST/{}?key={}\n", cell_text(b["stream"]),
                       cell_text(b["key"]), cell_text(b["stream"]), cell_text(b["key"]));
          },
          body);
    };
  });
  auto* krm = keys->add_subcommand("rm", "Remove the API's keys of APP/NAME (only --key if given)");
  common(krm);
  stream_arg(krm);
  krm->add_option("--key", o.key, "Remove only this key");
  krm->callback([&] {
    run = [&] {
      const std::string query = o.key.empty() ? "" : "?key=" + url_escape(o.key);
      return request(o, http::verb::delete_, "/api/v1/keys" + stream_path(o.stream) + query, [&](const json& b) {
        fmt::print("removed {} key(s) of {}\n", cell_text(b["removed"]), o.stream);
      });
    };
  });

  auto* recordings = app.add_subcommand("recordings", "Recordings: list, remove, start or stop recording a stream");
  recordings->require_subcommand(1);
  auto* rls = recordings->add_subcommand("ls", "List recorded files with duration, size and replay URL");
  common(rls);
  rls->callback([&] { run = [&] { return request(o, http::verb::get, "/api/v1/recordings", print_recordings); }; });
  auto* rrm = recordings->add_subcommand("rm", "Remove a recording: APP/NAME/FILE (as recordings ls shows)");
  common(rrm);
  rrm->add_option("recording", o.stream, "APP/NAME/FILE")->required();
  rrm->callback([&] {
    run = [&] {
      return request(o, http::verb::delete_, "/api/v1/recordings" + stream_path(o.stream),
                     [&](const json& b) { fmt::print("removed {}\n", cell_text(b["removed"])); });
    };
  });
  for (const bool start : {true, false}) {
    auto* command = recordings->add_subcommand(start ? "start" : "stop",
                                               start ? "Record APP/NAME from now on, whatever the config says"
                                                     : "Stop recording APP/NAME (and its next publishes)");
    common(command);
    stream_arg(command);
    command->callback([&, start] {
      run = [&, start] {
        return request(o, start ? http::verb::post : http::verb::delete_,
                       "/api/v1/streams" + stream_path(o.stream) + "/recording", [&, start](const json& b) {
                         fmt::print("{} {}{}\n", start ? "recording" : "not recording", o.stream,
                                    start && !b["live"].get<bool>() ? " (when it goes live)" : "");
                       });
      };
    });
  }

  add_cluster_commands(app, o, run);
  add_autoscale_commands(app, o, run);

  auto* reload = app.add_subcommand("reload", "Re-read the server's config file and apply what can change live");
  common(reload);
  reload->callback([&] {
    run = [&] {
      return request(o, http::verb::post, "/api/v1/reload", [](const json& b) {
        fmt::print("reloaded {}\n", b["config_file"].is_string() ? b["config_file"].get<std::string>() : "(no config file)");
        if (b["applied"].empty()) fmt::print("  nothing that applies live changed\n");
        for (const auto& a : b["applied"]) fmt::print("  applied: {}\n", cell_text(a));
        for (const auto& r : b["needs_restart"]) fmt::print("  needs a restart: {}\n", cell_text(r));
      });
    };
  });
}

}  // namespace relaycast::cli
