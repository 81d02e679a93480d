#pragma once
// The recordings on disk: directory/app/name/file.mp4, listed with their size and
// duration, and looked up safely from names that come from URLs and API calls.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace relaycast::record {

struct RecordingFileInfo {
  std::string stream;  // "app/name"
  std::string file;    // "2026-11-26T06-30-00Z.mp4"
  std::filesystem::path path;
  uint64_t bytes = 0;
  int64_t duration_ms = 0;  // from the fragments; 0 when unreadable (see error)
  std::chrono::system_clock::time_point modified{};
  std::string error;  // why the file cannot be played, if it cannot
};

// Newest first within a stream; streams in name order.
std::vector<RecordingFileInfo> list_recordings(const std::filesystem::path& directory);

// directory/app/name/file, or Errc::malformed when a part is not a plain name (so no
// request reaches outside the directory), Errc::not_found when there is no such file.
Result<std::filesystem::path> recording_path(const std::filesystem::path& directory, std::string_view app,
                                             std::string_view name, std::string_view file);

}  // namespace relaycast::record
