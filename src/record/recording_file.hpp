#pragma once
// One recording file being written: created exclusively (a name is never reused), then
// appended to with gathered writes and flushed to disk on request. Blocking: used only
// on the Recorder's writer thread, never on a worker.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/buffer.hpp"
#include "core/error.hpp"

namespace relaycast::record {

class RecordingFile {
public:
  RecordingFile() = default;
  RecordingFile(const RecordingFile&) = delete;
  RecordingFile& operator=(const RecordingFile&) = delete;
  ~RecordingFile();

  // Creates `directory` (and its parents) and a new file in it named after `stem`
  // ("2026-11-26T06-30-00Z"): stem.mp4, or stem-2.mp4 ... when taken. Errors name the
  // path and the system's reason (permission denied, no space left on device).
  Result<void> create(const std::filesystem::path& directory, const std::string& stem);
  // All of `bytes`, in order; a short write is retried, a failed one reported.
  Result<void> append(const std::vector<Buffer>& bytes);
  // What was appended, on the disk (fdatasync): a power cut keeps it.
  Result<void> sync();
  // sync(), then closes. The file's directory entry was made durable by create().
  Result<void> finish();
  void close();  // without a sync: for errors, where the file is abandoned as it is

  bool is_open() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  uint64_t size() const { return size_; }

private:
  int fd_ = -1;
  std::filesystem::path path_;
  uint64_t size_ = 0;
};

}  // namespace relaycast::record
