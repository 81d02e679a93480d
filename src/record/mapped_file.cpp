#include "record/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace relaycast::record {

Result<Buffer> map_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(Errc::not_found, "{}: no such file", path.string());
    return fail(Errc::refused, "cannot open {}: {}", path.string(), std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(Errc::refused, "{}: not a regular file", path.string());
  }
  const size_t size = size_t(st.st_size);
  if (size == 0) {
    ::close(fd);
    return Buffer();
  }
  void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int mmap_errno = errno;
  ::close(fd);  // the mapping keeps the file
  if (mapping == MAP_FAILED) return fail(Errc::refused, "cannot map {}: {}", path.string(), std::strerror(mmap_errno));
  std::shared_ptr<const uint8_t[]> block(static_cast<const uint8_t*>(mapping),
                                         [size](const uint8_t* p) { ::munmap(const_cast<uint8_t*>(p), size); });
  return Buffer::adopt(std::move(block), size);
}

}  // namespace relaycast::record
