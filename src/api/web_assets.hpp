#pragma once
// The files of web/ (dashboard, players, styles, scripts) and hls.js, compiled into
// the binary at build time (embed_web_assets.cmake writes web_assets.cpp), so that
// one binary serves the pages on a network with no internet and nothing installed.
#include <span>
#include <string_view>

namespace relaycast::api {

struct WebAsset {
  std::string_view path;  // relative to web/: "index.html", "js/player.js", "hls.min.js"
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> web_assets();
const WebAsset* find_web_asset(std::string_view path);

}  // namespace relaycast::api
