// /api/v1/recordings and the run-time recording switch of a stream: the ControlPlane
// handlers over the node's Recorder (src/record).
#include <spdlog/spdlog.h>

#include "api/control_plane.hpp"
#include "api/json_views.hpp"
#include "record/recording_catalog.hpp"

namespace relaycast::api {
namespace {

using json = nlohmann::json;

json status_json(const record::RecordingStatus& s) {
  json j = {{"stream", s.stream},         {"state", s.state},       {"path", s.path},
            {"started", iso8601(s.started_at)}, {"bytes", s.bytes}, {"duration_ms", s.duration_ms},
            {"files", s.files}};
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

json file_json(const record::RecordingFileInfo& f, bool in_progress) {
  const std::string vod = "/vod/" + f.stream + "/" + f.file;
  json j = {{"stream", f.stream},     {"file", f.file},         {"bytes", f.bytes},
            {"duration_ms", f.duration_ms}, {"modified", iso8601(f.modified)}, {"in_progress", in_progress},
            {"playable", f.error.empty()}, {"url", vod},         {"hls_url", vod + "/index.m3u8"}};
  if (!f.error.empty()) j["error"] = f.error;
  return j;
}

}  // namespace

HttpResponse ControlPlane::get_recordings(const HttpRequest&, const Params&) {
  const auto& recorder = context_.recorder;
  json files = json::array();
  for (const auto& f : record::list_recordings(recorder.directory()))
    files.push_back(file_json(f, recorder.in_progress(f.path)));
  json sessions = json::array();
  for (const auto& s : recorder.status()) sessions.push_back(status_json(s));
  return json_response(200, {{"directory", recorder.directory().string()},
                             {"enabled", context_.config.record.enabled},
                             {"recordings", files},
                             {"sessions", sessions}});
}

HttpResponse ControlPlane::remove_recording(const HttpRequest&, const Params& params) {
  auto& recorder = context_.recorder;
  auto path = record::recording_path(recorder.directory(), params.at("app"), params.at("name"), params.at("file"));
  if (!path) {
    if (path.error().is(Errc::not_found)) return json_error(404, "recording not found", path.error().message());
    return json_error(400, "bad recording name", path.error().message());
  }
  if (recorder.in_progress(*path))
    return json_error(409, "recording in progress",
                      "the file is being written; stop the recording first (DELETE /api/v1/streams/{app}/{name}/recording)");
  std::error_code ec;
  std::filesystem::remove(*path, ec);
  if (ec) return json_error(500, "recording not removed", path->string() + ": " + ec.message());
  spdlog::info("API: removed recording {}", path->string());
  return json_response(200, {{"removed", params.at("app") + "/" + params.at("name") + "/" + params.at("file")}});
}

HttpResponse ControlPlane::start_recording(const HttpRequest&, const Params& params) {
  const auto key = params.at("app") + "/" + params.at("name");
  auto live = context_.streams.find(key);
  context_.recorder.start(key, live, server_.main_context().get_executor());
  spdlog::info("API: recording {} {}", key, live ? "from now on" : "when it goes live");
  return json_response(200, {{"stream", key}, {"recording", true}, {"live", live != nullptr}});
}

HttpResponse ControlPlane::stop_recording(const HttpRequest&, const Params& params) {
  const auto key = params.at("app") + "/" + params.at("name");
  context_.recorder.stop(key);
  spdlog::info("API: not recording {} any more", key);
  return json_response(200, {{"stream", key}, {"recording", false}});
}

}  // namespace relaycast::api
