#include "record/recording_catalog.hpp"

#include <algorithm>

#include "format/fmp4_file_index.hpp"
#include "record/mapped_file.hpp"

namespace relaycast::record {
namespace {

// Letters, digits, '_', '-', '.', not starting with '.': never "..", never a path.
bool plain_name(std::string_view part) {
  if (part.empty() || part.size() > 200 || part.front() == '.') return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

RecordingFileInfo describe(const std::filesystem::path& path, std::string stream) {
  RecordingFileInfo info{.stream = std::move(stream), .file = path.filename().string(), .path = path};
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(path, ec);
  if (!ec) info.modified = std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(written));
  auto bytes = map_file(path);
  if (!bytes) {
    info.error = bytes.error().message();
    return info;
  }
  info.bytes = bytes->size();
  auto index = fmp4::index_fragmented_mp4(bytes->span());
  if (!index)
    info.error = index.error().message();
  else
    info.duration_ms = ticks_to_ms(index->duration());
  return info;
}

std::vector<std::filesystem::directory_entry> entries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::directory_entry> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    out.push_back(*it);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  return out;
}

}  // namespace

std::vector<RecordingFileInfo> list_recordings(const std::filesystem::path& directory) {
  std::vector<RecordingFileInfo> out;
  std::error_code ec;
  for (const auto& app : entries(directory)) {
    if (!app.is_directory(ec) || !plain_name(app.path().filename().string())) continue;
    for (const auto& name : entries(app.path())) {
      if (!name.is_directory(ec) || !plain_name(name.path().filename().string())) continue;
      const std::string stream = app.path().filename().string() + "/" + name.path().filename().string();
      auto files = entries(name.path());
      std::reverse(files.begin(), files.end());  // names are start times: newest first
      for (const auto& file : files)
        if (file.is_regular_file(ec) && file.path().extension() == ".mp4") out.push_back(describe(file.path(), stream));
    }
  }
  return out;
}

Result<std::filesystem::path> recording_path(const std::filesystem::path& directory, std::string_view app,
                                             std::string_view name, std::string_view file) {
  if (!plain_name(app) || !plain_name(name) || !plain_name(file) || !file.ends_with(".mp4"))
    return fail(Errc::malformed, "\"{}/{}/{}\" is not a recording name (app/name/file.mp4; letters, digits, _ - .)",
                app, name, file);
  auto path = directory / app / name / file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail(Errc::not_found, "no recording {}/{}/{}", app, name, file);
  return path;
}

}  // namespace relaycast::record
