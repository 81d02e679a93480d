#include "hls/segment_directory.hpp"

#include <fstream>

#include "core/log.hpp"
#include "hls/playlist.hpp"

namespace relaycast::hls {

SegmentDirectory::SegmentDirectory(std::filesystem::path root, const std::string& key) : dir_(root / key) {}

bool SegmentDirectory::write_file(const std::string& name, std::span<const uint8_t> bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  const auto tmp = dir_ / ("." + name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) ec = std::make_error_code(std::errc::io_error);
  }
  if (!ec) std::filesystem::rename(tmp, dir_ / name, ec);
  if (ec) {
    if (!failed_) spdlog::error("hls: cannot write {}: {}; the live stream goes on", (dir_ / name).string(), ec.message());
    failed_ = true;
    std::filesystem::remove(tmp, ec);
    return false;
  }
  failed_ = false;
  return true;
}

void SegmentDirectory::sync(const Segmenter& segmenter, std::string_view epoch) {
  std::set<std::string> listed;
  for (const auto& seg : segmenter.segments()) {
    if (!seg.complete) continue;
    auto name = ts_segment_name(epoch, seg.msn);
    if (!written_.contains(name) && !write_file(name, seg.ts.span())) return;
    listed.insert(std::move(name));
  }
  const std::string playlist = render_ts_playlist(segmenter, epoch);
  if (!playlist.empty())
    write_file("index.m3u8", std::span(reinterpret_cast<const uint8_t*>(playlist.data()), playlist.size()));
  for (const auto& old : written_) {
    if (listed.contains(old)) continue;
    std::error_code ec;
    std::filesystem::remove(dir_ / old, ec);
  }
  written_ = std::move(listed);
}

}  // namespace relaycast::hls
