#pragma once
// The pages people open in a browser, served on the HTTP port next to the media:
//   /                          the dashboard (its data comes from the API, with the token)
//   /watch/{app}/{name}        one stream (hls.js on LL-HLS, classic HLS, native HLS)
//   /event/{id}                the sources of an event side by side, in sync
//   /web/{file}                their styles, scripts and hls.js
// and what the players poll while a stream is offline, public like the media itself:
//   /watch/{app}/{name}/status {"stream", "live", "playlists"}
//   /event/{id}/status         the event's title and sources, each with "live"
// Files come from the binary (web_assets.hpp), or from web.directory first when set.
// The app names "watch", "event" and "web" are taken by these routes.
#include <string>
#include <string_view>
#include <vector>

#include "api/event_store.hpp"
#include "server/http_extension.hpp"
#include "server/server_context.hpp"

namespace relaycast::api {

class WebPages {
public:
  WebPages(ServerContext& server, const EventStore& events, WebConfig config);

  // Cheap: asked for every request.
  bool answers(std::string_view path) const;
  HttpResponse handle(const HttpRequest& request);

private:
  HttpResponse file(std::string_view path) const;
  HttpResponse stream_status(const std::string& app, const std::string& name) const;
  HttpResponse event_status(const std::string& id) const;
  // true/false when this node knows; null on an edge that has not pulled the stream
  // (a player's request for the playlist makes it pull).
  nlohmann::json live(const std::string& key) const;

  ServerContext& server_;
  const EventStore& events_;
  const WebConfig config_;
  // The embedded files as shared buffers, made once: every response shares them.
  std::vector<Buffer> embedded_;
};

}  // namespace relaycast::api
