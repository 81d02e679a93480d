#pragma once
// The last log lines an operator watching the dashboard wants to see: refusals
// (publish, play, connection, API), health changes of streams, kicks, and any other
// warning or error. A spdlog sink, so every layer's existing log line is caught where
// it is written, without the server knowing about the dashboard; a bounded ring, so
// it costs nothing that grows. Served as GET /api/v1/log/recent.
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

namespace relaycast::api {

struct LogEntry {
  uint64_t seq = 0;  // increasing: a poller asks for what is newer than it has
  std::string time;  // ISO 8601 with milliseconds, UTC
  std::string level; // "info", "warning", "error"
  std::string kind;  // "refusal", "health", "kick", "warning"
  std::string message;
};

// Which kind a line is, or empty when the ring does not keep it.
std::string classify_log_line(std::string_view message, bool warning_or_worse);

class RecentLog : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit RecentLog(size_t capacity = 200) : capacity_(capacity) {}

  // Entries with seq > after, oldest first, at most `limit` (the newest ones).
  std::vector<LogEntry> entries(uint64_t after, size_t limit) const;

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

private:
  const size_t capacity_;
  mutable std::mutex entries_mutex_;  // readers do not take the sink's lock
  std::deque<LogEntry> ring_;
  uint64_t next_seq_ = 1;
};

}  // namespace relaycast::api
