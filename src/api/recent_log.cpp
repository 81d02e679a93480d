#include "api/recent_log.hpp"

#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace relaycast::api {
namespace {

// "2026-11-26T06:40:01.123Z"
std::string utc_millis(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const std::time_t c = std::chrono::system_clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&c, &tm);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
  return fmt::format("{:%FT%T}.{:03}Z", tm, ms);
}

}  // namespace

std::string classify_log_line(std::string_view m, bool warning_or_worse) {
  // The phrases the sessions and the monitor log with (rtmp_session.cpp, listener.cpp,
  // http_session.cpp, stream_monitor.cpp, control_plane.cpp).
  if (m.find("refused ") != std::string_view::npos) return "refusal";
  if (m.find(": health: ") != std::string_view::npos) return "health";
  if (m.find("API: kicking") != std::string_view::npos) return "kick";
  if (warning_or_worse) return "warning";
  return {};
}

void RecentLog::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  const bool warning = msg.level >= spdlog::level::warn;
  auto kind = classify_log_line(text, warning);
  if (kind.empty()) return;
  LogEntry entry{0, utc_millis(msg.time), msg.level >= spdlog::level::err ? "error" : warning ? "warning" : "info",
                 std::move(kind), std::string(text)};
  std::lock_guard lock(entries_mutex_);
  entry.seq = next_seq_++;
  ring_.push_back(std::move(entry));
  while (ring_.size() > capacity_) ring_.pop_front();
}

std::vector<LogEntry> RecentLog::entries(uint64_t after, size_t limit) const {
  std::lock_guard lock(entries_mutex_);
  std::vector<LogEntry> out;
  for (const auto& e : ring_)
    if (e.seq > after) out.push_back(e);
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

}  // namespace relaycast::api
