#include "api/web_pages.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api/control_plane.hpp"
#include "api/router.hpp"
#include "api/web_assets.hpp"
#include "server/stream_path.hpp"

namespace relaycast::api {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kAssetPrefix = "/web/";

// A file path under /web/: segments in the stream-name alphabet, no "..", no hidden files.
bool safe_asset_path(std::string_view path) {
  if (path.empty()) return false;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (!valid_stream_segment(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

std::string_view type_of(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

HttpResponse not_found_page(std::string_view what) {
  HttpResponse r = HttpResponse::text(404, fmt::format("{}\n", what));
  return r;
}

// Where a stream plays over HLS (the web player takes "ll", then "ts").
json playlists_json(const std::string& key) {
  return {{"ll", "/" + key + "/ll.m3u8"}, {"ts", "/" + key + "/index.m3u8"}, {"master", "/" + key + "/master.m3u8"}};
}

}  // namespace

WebPages::WebPages(ServerContext& server, const EventStore& events, WebConfig config)
    : server_(server), events_(events), config_(std::move(config)) {
  // The assets are compiled into the binary: serve them from there, no copy (about
  // 700 KB per process saved; their pages stay in the file mapping until read).
  for (const auto& asset : web_assets()) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(asset.body.data());
    embedded_.push_back(Buffer::adopt(std::shared_ptr<const uint8_t[]>(std::shared_ptr<const uint8_t[]>(), bytes),
                                      asset.body.size()));
  }
}

bool WebPages::answers(std::string_view path) const {
  if (!config_.enabled) return false;
  return path == "/" || path.starts_with(kAssetPrefix) || path.starts_with("/watch/") || path.starts_with("/event/");
}

HttpResponse WebPages::handle(const HttpRequest& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const auto path = target.substr(0, target.find('?'));
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    auto r = HttpResponse::text(405, "the web pages take GET and HEAD\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/") return file("index.html");
  if (path.starts_with(kAssetPrefix)) return file(path.substr(kAssetPrefix.size()));
  if (auto p = match_pattern("/watch/{app}/{name}", path)) {
    if (!valid_stream_segment(p->at("app")) || !valid_stream_segment(p->at("name")))
      return not_found_page("a stream is /watch/APP/NAME (letters, digits, _ - .)");
    return file("watch.html");
  }
  if (auto p = match_pattern("/watch/{app}/{name}/status", path)) return stream_status(p->at("app"), p->at("name"));
  if (auto p = match_pattern("/event/{id}", path)) {
    if (!events_.find(p->at("id"))) return not_found_page(fmt::format("no event {} here", p->at("id")));
    return file("event.html");
  }
  if (auto p = match_pattern("/event/{id}/status", path)) return event_status(p->at("id"));
  return not_found_page("no such page: the dashboard is /, a stream /watch/APP/NAME, an event /event/ID");
}

HttpResponse WebPages::file(std::string_view path) const {
  if (!safe_asset_path(path)) return not_found_page("no such file");
  HttpResponse r;
  r.cache_control = "no-cache";  // revalidated: a new build's files are seen at once
  r.content_type = std::string(type_of(path));
  if (!config_.directory.empty()) {
    std::ifstream in(std::filesystem::path(config_.directory) / std::string(path), std::ios::binary);
    if (in) {
      std::ostringstream content;
      content << in.rdbuf();
      r.body.push_back(Buffer::copy_of(content.str()));
      return r;
    }
  }
  const auto* asset = find_web_asset(path);
  if (!asset) return not_found_page(fmt::format("no file {} in the web pages", path));
  r.content_type = std::string(asset->content_type);
  r.body.push_back(embedded_[static_cast<size_t>(asset - web_assets().data())]);
  return r;
}

json WebPages::live(const std::string& key) const {
  const auto channel = server_.hls.find(key);
  // Live for a player once its playlist lists something: asked earlier, hls.js would
  // get a 404 ("no segment is ready yet") and fail.
  if (server_.streams.find(key))
    return channel != nullptr && channel->live() && !channel->playlist(hls::PlaylistKind::ll).empty();
  if (server_.config.cluster.role == "edge") return nullptr;
  return false;
}

HttpResponse WebPages::stream_status(const std::string& app, const std::string& name) const {
  if (!valid_stream_segment(app) || !valid_stream_segment(name))
    return json_error(404, "no such stream", "a stream is APP/NAME (letters, digits, _ - .)");
  const std::string key = app + "/" + name;
  auto r = json_response(200, {{"stream", key}, {"live", live(key)}, {"playlists", playlists_json(key)}});
  return r;
}

HttpResponse WebPages::event_status(const std::string& id) const {
  const auto event = events_.find(id);
  if (!event) return json_error(404, "event not found", fmt::format("no event {} here", id));
  json sources = json::array();
  for (const auto& s : event->sources)
    sources.push_back(
        {{"name", s.name}, {"stream", s.stream}, {"live", live(s.stream)}, {"playlists", playlists_json(s.stream)}});
  return json_response(200, {{"id", event->id}, {"title", event->title}, {"sources", sources}});
}

}  // namespace relaycast::api
