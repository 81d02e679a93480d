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

// "/live/cam/index.m3u8?_HLS_msn=3" -> {live, cam, "index.m3u8", "_HLS_msn=3"}: a file in
// a stream's folder (HLS). The file name has the same safe alphabet.
struct StreamFilePath {
  std::string app, name, file, query;
  std::string key() const { return app + "/" + name; }
};
std::optional<StreamFilePath> parse_stream_file_path(std::string_view target);

}  // namespace relaycast
