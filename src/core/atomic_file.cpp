#include "core/atomic_file.hpp"

#include <cerrno>
#include <fstream>

namespace relaycast {
namespace fs = std::filesystem;

std::error_code replace_file(const fs::path& path, std::string_view content, std::optional<fs::perms> perms) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) return ec;
  const fs::path temporary = path.string() + ".new";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return std::error_code(errno ? errno : EIO, std::generic_category());
    if (perms) fs::permissions(temporary, *perms, ec);
    if (ec) return ec;
    out.write(content.data(), std::streamsize(content.size()));
    out.flush();
    if (!out) ec = std::make_error_code(std::errc::io_error);
  }
  if (!ec) fs::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
  }
  return ec;
}

}  // namespace relaycast
