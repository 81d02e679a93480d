#include "server/stream_path.hpp"

#include <algorithm>

namespace relaycast {

bool valid_stream_segment(std::string_view s) {
  if (s.empty() || s.size() > 128 || s.front() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

std::optional<StreamPath> parse_stream_path(std::string_view target) {
  StreamPath out;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    out.query = std::string(target.substr(q + 1));
    target = target.substr(0, q);
  }
  if (!target.starts_with('/')) return std::nullopt;
  target.remove_prefix(1);
  const auto slash = target.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto app = target.substr(0, slash);
  auto file = target.substr(slash + 1);
  const auto dot = file.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto name = file.substr(0, dot);
  const auto extension = file.substr(dot + 1);
  if (!valid_stream_segment(app) || !valid_stream_segment(name) || !valid_stream_segment(extension))
    return std::nullopt;
  out.app = std::string(app);
  out.name = std::string(name);
  out.extension = std::string(extension);
  return out;
}

std::optional<StreamFilePath> parse_stream_file_path(std::string_view target) {
  StreamFilePath out;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    out.query = std::string(target.substr(q + 1));
    target = target.substr(0, q);
  }
  if (!target.starts_with('/')) return std::nullopt;
  target.remove_prefix(1);
  std::string_view parts[3];
  for (int i = 0; i < 3; ++i) {
    const auto slash = i < 2 ? target.find('/') : std::string_view::npos;
    if (i < 2 && slash == std::string_view::npos) return std::nullopt;
    parts[i] = target.substr(0, slash);
    if (!valid_stream_segment(parts[i])) return std::nullopt;
    if (i < 2) target.remove_prefix(slash + 1);
  }
  out.app = std::string(parts[0]);
  out.name = std::string(parts[1]);
  out.file = std::string(parts[2]);
  return out;
}

}  // namespace relaycast
