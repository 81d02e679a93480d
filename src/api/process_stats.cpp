#include "api/process_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace relaycast::api {

// proc(5): "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so the
// fields are counted from the last ')'. utime and stime are fields 14 and 15,
// num_threads 20, rss (pages) 24.
std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long ticks_per_second, long page_size) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(close + 1);
  for (;;) {
    const auto begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) break;
    rest.remove_prefix(begin);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  // fields[0] is field 3 (state).
  auto field = [&](size_t number) -> std::optional<uint64_t> {
    if (number < 3 || number - 3 >= fields.size()) return std::nullopt;
    uint64_t v = 0;
    const auto f = fields[number - 3];
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc() || p != f.data() + f.size()) return std::nullopt;
    return v;
  };
  const auto utime = field(14), stime = field(15), threads = field(20), rss = field(24);
  if (!utime || !stime || !threads || !rss) return std::nullopt;
  return ProcessStats{.cpu_seconds = double(*utime + *stime) / double(ticks_per_second),
                      .rss_bytes = *rss * uint64_t(page_size),
                      .threads = uint32_t(*threads)};
}

ProcessStats read_process_stats() {
  std::ifstream in("/proc/self/stat");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_proc_stat(text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE)).value_or(ProcessStats{});
}

}  // namespace relaycast::api
