#include "record/recording_repair.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "format/fmp4_file_index.hpp"
#include "record/mapped_file.hpp"

namespace relaycast::record {

Result<uint64_t> repair_recording(const std::filesystem::path& file) {
  uint64_t size = 0, keep = 0;
  {
    auto bytes = map_file(file);
    if (!bytes) return std::unexpected(bytes.error());
    auto index = fmp4::index_fragmented_mp4(bytes->span());
    if (!index) return std::unexpected(std::move(index.error()).context(file.string()));
    size = bytes->size();
    keep = index->complete_size;
  }  // unmapped before the file shrinks under it
  if (keep >= size) return 0;
  if (::truncate(file.c_str(), off_t(keep)) != 0)
    return fail(Errc::refused, "cannot truncate {}: {}", file.string(), std::strerror(errno));
  return size - keep;
}

void repair_recordings(const std::filesystem::path& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) return;
  for (auto it = std::filesystem::recursive_directory_iterator(directory, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".mp4") continue;
    auto cut = repair_recording(it->path());
    if (!cut)
      spdlog::warn("recording {} left as it is: {}", it->path().string(), cut.error().message());
    else if (*cut > 0)
      spdlog::warn("recording {} ended in a torn fragment (a crash while writing): cut the last {} bytes",
                   it->path().string(), *cut);
  }
}

}  // namespace relaycast::record
