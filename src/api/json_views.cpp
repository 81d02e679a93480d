#include "api/json_views.hpp"

#include <cmath>

#include <fmt/chrono.h>

namespace relaycast::api {
using nlohmann::json;

namespace {

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Rates are shown with a sensible precision, not 17 digits.
json rounded(std::optional<double> v, int digits) {
  if (!v || !std::isfinite(*v)) return nullptr;
  const double scale = std::pow(10.0, digits);
  return std::round(*v * scale) / scale;
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(t));
}

json stream_json(const StreamView& s) {
  const auto slash = s.key.find('/');
  json j = {
      {"key", s.key},
      {"app", s.key.substr(0, slash)},
      {"name", slash == std::string::npos ? "" : s.key.substr(slash + 1)},
      {"live", s.live},
      {"started_at", iso8601(s.started_at)},
      {"ended_at", s.ended_at ? json(iso8601(*s.ended_at)) : json(nullptr)},
      {"uptime_s", rounded(s.uptime_s, 1)},
      {"bitrate_bps", rounded(s.health.bitrate_bps, 0)},
      {"bytes_in", s.bytes_in},
      {"packets_in", s.packets_in},
      {"dropped_frames", s.frames_dropped},
      {"viewers", {{"total", s.viewers.total()}, {"rtmp", s.viewers.rtmp}, {"flv", s.viewers.flv}, {"hls", s.viewers.hls},
                   {"srt", s.viewers.srt}}},
  };
  if (s.publisher)
    j["publisher"] = {{"client_id", s.publisher->id}, {"protocol", s.publisher->protocol}, {"address", s.publisher->address}};
  else
    j["publisher"] = {{"client_id", nullptr}, {"protocol", s.publisher_protocol}, {"address", nullptr}};
  if (s.video) {
    j["video"] = {{"codec", s.video->codec},
                  {"description", s.video->description},
                  {"width", s.video->width},
                  {"height", s.video->height},
                  {"fps", rounded(s.health.fps, 2)},
                  {"declared_fps", rounded(s.video->declared_fps, 3)},
                  {"keyframe_interval_s",
                   s.keyframe_interval_ms ? json(double(*s.keyframe_interval_ms) / 1000) : json(nullptr)}};
  } else {
    j["video"] = nullptr;
  }
  if (s.audio) {
    j["audio"] = {{"codec", s.audio->codec},
                  {"description", s.audio->description},
                  {"sample_rate", s.audio->sample_rate},
                  {"channels", s.audio->channels}};
  } else {
    j["audio"] = nullptr;
  }
  const auto& h = s.health;
  j["health"] = {
      {"state", to_string(h.state)},
      {"reason", h.reason},
      {"since", iso8601(s.health_since)},
      {"fps", rounded(h.fps, 2)},
      {"baseline_fps", rounded(h.baseline_fps, 2)},
      {"bitrate_bps", rounded(h.bitrate_bps, 0)},
      {"baseline_bitrate_bps", rounded(h.baseline_bitrate_bps, 0)},
      {"since_keyframe_s", h.since_keyframe_ms ? json(double(*h.since_keyframe_ms) / 1000) : json(nullptr)},
      {"av_drift_ms", or_null(h.av_drift_ms)},
  };
  return j;
}

json client_json(const ClientInfo& c) {
  return {
      {"id", c.id},
      {"protocol", c.protocol},
      {"address", c.address},
      {"role", to_string(c.role)},
      {"stream", c.stream.empty() ? json(nullptr) : json(c.stream)},
      {"output", c.output.empty() ? json(nullptr) : json(c.output)},
      {"connected_at", iso8601(c.connected_at)},
      {"connected_s", std::round(std::chrono::duration<double>(std::chrono::system_clock::now() - c.connected_at).count() * 10) / 10},
      {"bytes_in", c.bytes_in},
      {"bytes_out", c.bytes_out},
  };
}

json key_json(const ListedKey& k) {
  return {{"stream", k.stream},
          {"key", k.key},
          {"source", k.source},
          {"created_at", k.created_at.empty() ? json(nullptr) : json(k.created_at)}};
}

}  // namespace relaycast::api
