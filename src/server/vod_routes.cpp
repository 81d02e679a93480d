#include "server/vod_routes.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "format/fmp4_file_index.hpp"
#include "record/mapped_file.hpp"
#include "record/recording_catalog.hpp"
#include "record/vod_playlist.hpp"

namespace relaycast {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

constexpr std::string_view kUsage =
    "a recording is at /vod/{app}/{name}/{file}.mp4 and its HLS playlist at /vod/{app}/{name}/{file}.mp4/index.m3u8 "
    "(GET /api/v1/recordings lists them)\n";

}  // namespace

std::string vod_stream_key(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  path.remove_prefix(std::min(path.size(), std::string_view("/vod/").size()));
  const auto parts = split_path(path);
  if (parts.size() < 3 || parts[0].empty() || parts[1].empty()) return {};
  return std::string(parts[0]) + "/" + std::string(parts[1]);
}

HttpResponse vod_response(const record::Recorder& recorder, const Config& config, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  path.remove_prefix(std::string_view("/vod/").size());
  const auto parts = split_path(path);
  const bool playlist = parts.size() == 4 && parts[3] == "index.m3u8";
  if (parts.size() != 3 && !playlist) return HttpResponse::text(404, kUsage);
  auto file = record::recording_path(recorder.directory(), parts[0], parts[1], parts[2]);
  if (!file) return HttpResponse::text(404, file.error().message() + "; " + std::string(kUsage));
  auto bytes = record::map_file(*file);
  if (!bytes) return HttpResponse::text(500, bytes.error().message() + "\n");
  const bool growing = recorder.in_progress(*file);
  if (!playlist) {
    HttpResponse r{.content_type = "video/mp4", .cache_control = growing ? "no-cache" : "max-age=3600"};
    r.body.push_back(std::move(*bytes));
    r.ranges = true;
    return r;
  }
  auto index = fmp4::index_fragmented_mp4(bytes->span());
  if (!index) return HttpResponse::text(422, fmt::format("recording {} cannot be replayed: {}\n", parts[2], index.error().message()));
  const auto text = record::vod_playlist(*index, {.media_uri = "../" + std::string(parts[2]),
                                                  .segment_target = ms_to_ticks(config.hls.segment_ms),
                                                  .complete = !growing});
  HttpResponse r{.content_type = "application/vnd.apple.mpegurl", .cache_control = growing ? "no-cache" : "max-age=3600"};
  r.body.push_back(Buffer::copy_of(text));
  return r;
}

}  // namespace relaycast
