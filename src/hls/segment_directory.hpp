#pragma once
// Optional copy of a stream's classic HLS (TS segments and index.m3u8) in a directory,
// for people who serve HLS with their own web server: hls.directory/app/name/...
// Files appear atomically (written aside, then renamed) and segments that left the
// window are deleted.
#include <filesystem>
#include <set>
#include <string>

#include "hls/segmenter.hpp"

namespace relaycast::hls {

class SegmentDirectory {
public:
  SegmentDirectory(std::filesystem::path root, const std::string& key);

  // Brings the directory up to date with `segmenter`'s window. Errors are logged once
  // per kind and otherwise ignored: the live stream must not stop for a full disk.
  void sync(const Segmenter& segmenter, std::string_view epoch);

private:
  bool write_file(const std::string& name, std::span<const uint8_t> bytes);

  std::filesystem::path dir_;
  std::set<std::string> written_;
  bool failed_ = false;
};

}  // namespace relaycast::hls
