#pragma once
// Plain-text output for people: aligned tables and human units.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relaycast::cli {

// Columns padded to their widest cell, two spaces apart; the header in capitals.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

std::string human_bytes(uint64_t bytes);          // "1.4 MB"
std::string human_bitrate(std::optional<double> bps);  // "1.97 Mbit/s", "-"
std::string human_duration(double seconds);       // "2h03m", "4m05s", "12s"

}  // namespace relaycast::cli
