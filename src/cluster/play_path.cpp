#include "cluster/play_path.hpp"

#include "server/stream_path.hpp"

namespace relaycast::cluster {

std::optional<std::string> play_target(std::string_view target) {
  if (!target.starts_with(kPlayPrefix)) return std::nullopt;
  const auto q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q);
  std::string path(target.substr(kPlayPrefix.size() - 1, q == std::string_view::npos ? std::string_view::npos
                                                                                        : q - kPlayPrefix.size() + 1));
  if (path.ends_with(".m3u8") && !parse_stream_file_path(path)) path = path.substr(0, path.size() - 5) + "/index.m3u8";
  if (auto file = parse_stream_file_path(path)) {
    if (file->file != "index.m3u8" && file->file != "ll.m3u8" && file->file != "master.m3u8") return std::nullopt;
  } else if (auto flv = parse_stream_path(path); !flv || flv->extension != "flv") {
    return std::nullopt;
  }
  return path + std::string(query);
}

}  // namespace relaycast::cluster
