#pragma once
// This process's CPU time and resident memory, from /proc/self (Linux).
#include <cstdint>
#include <optional>
#include <string_view>

namespace relaycast::api {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system, all threads
  uint64_t rss_bytes = 0;
  uint32_t threads = 0;
};

// Parses the text of /proc/<pid>/stat; nothing when it does not look like one.
std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long ticks_per_second, long page_size);
// Reads /proc/self/stat; zeros when it cannot be read (not Linux).
ProcessStats read_process_stats();

}  // namespace relaycast::api
