#include "cli/table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace relaycast::cli {

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string& cell = i < cells.size() ? cells[i] : "";
      out += i + 1 == width.size() ? cell : fmt::format("{:<{}}  ", cell, width[i]);
    }
    while (out.ends_with(' ')) out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", double(bytes) / 1e3);
  if (bytes < uint64_t(1000) * 1000 * 1000) return fmt::format("{:.1f} MB", double(bytes) / 1e6);
  return fmt::format("{:.2f} GB", double(bytes) / 1e9);
}

std::string human_bitrate(std::optional<double> bps) {
  if (!bps) return "-";
  if (*bps < 1e6) return fmt::format("{:.0f} kbit/s", *bps / 1e3);
  return fmt::format("{:.2f} Mbit/s", *bps / 1e6);
}

std::string human_duration(double seconds) {
  const auto s = int64_t(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace relaycast::cli
