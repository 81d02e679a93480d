#include "record/recording_file.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

namespace relaycast::record {
namespace {

Result<void> sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return fail(Errc::refused, "cannot open directory {} to sync it: {}", directory.string(), std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return fail(Errc::refused, "cannot sync directory {}: {}", directory.string(), std::strerror(error));
  return {};
}

}  // namespace

RecordingFile::~RecordingFile() { close(); }

Result<void> RecordingFile::create(const std::filesystem::path& directory, const std::string& stem) {
  close();
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return fail(Errc::refused, "cannot create directory {}: {}", directory.string(), ec.message());
  for (int n = 1; n < 1000; ++n) {
    auto path = directory / (n == 1 ? stem + ".mp4" : fmt::format("{}-{}.mp4", stem, n));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      fd_ = fd;
      path_ = std::move(path);
      size_ = 0;
      // The name itself must survive a power cut, or later syncs of the data are moot.
      auto synced = sync_directory(directory);
      if (!synced) {
        close();
        std::filesystem::remove(path_, ec);
      }
      return synced;
    }
    if (errno != EEXIST) return fail(Errc::refused, "cannot create {}: {}", path.string(), std::strerror(errno));
  }
  return fail(Errc::refused, "cannot create a file for {} in {}: 999 names taken", stem, directory.string());
}

Result<void> RecordingFile::append(const std::vector<Buffer>& bytes) {
  if (fd_ < 0) return fail(Errc::closed, "no recording file is open");
  size_t next = 0;    // first buffer not fully written
  size_t offset = 0;  // bytes of it already written
  while (next < bytes.size()) {
    iovec iov[64];
    int count = 0;
    for (size_t i = next; i < bytes.size() && count < 64; ++i) {
      const size_t skip = i == next ? offset : 0;
      if (bytes[i].size() == skip) continue;
      iov[count++] = {const_cast<uint8_t*>(bytes[i].data()) + skip, bytes[i].size() - skip};
    }
    if (count == 0) break;
    const ssize_t n = ::writev(fd_, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::refused, "cannot write {}: {}", path_.string(), std::strerror(errno));
    }
    size_ += uint64_t(n);
    size_t left = size_t(n);
    while (next < bytes.size() && left >= bytes[next].size() - offset) {
      left -= bytes[next].size() - offset;
      offset = 0;
      ++next;
    }
    offset += left;
  }
  return {};
}

Result<void> RecordingFile::sync() {
  if (fd_ < 0) return fail(Errc::closed, "no recording file is open");
  if (::fdatasync(fd_) != 0)
    return fail(Errc::refused, "cannot sync {} to disk: {}", path_.string(), std::strerror(errno));
  return {};
}

Result<void> RecordingFile::finish() {
  auto synced = sync();
  close();
  return synced;
}

void RecordingFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace relaycast::record
