#pragma once
// Stream names as they appear in URLs: "app/name". Only a safe alphabet is allowed,
// so a name can never climb out of a directory or inject into a header or a log.
#include <optional>
#include <string>
#include <string_view>

namespace relaycast {

// Letters, digits, '_', '-', '.', not starting with '.', 1-128 characters.
bool valid_stream_segment(std::string_view segment);

struct StreamPath {
  std::string app, name, extension, query;
  std::string key() const { return app + "/" + name; }
};

// "/live/cam.flv?token=x" -> {live, cam, flv, token=x}; nullopt for anything else.
std::optional<StreamPath> parse_stream_path(std::string_view target);

}  // namespace relaycast
