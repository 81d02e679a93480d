#include "protocol/rtmp/status_error.hpp"

#include <string>

namespace relaycast::rtmp {
namespace {

class Category final : public std::error_category {
public:
  const char* name() const noexcept override { return "rtmp-status"; }
  std::string message(int code) const override {
    switch (StatusErrc(code)) {
      case StatusErrc::connect_rejected: return "connection rejected";
      case StatusErrc::stream_not_found: return "stream not found";
      case StatusErrc::bad_name: return "bad stream name";
      case StatusErrc::unauthorized: return "unauthorized";
      case StatusErrc::command_failed: return "command failed";
      case StatusErrc::stream_ended: return "stream ended";
    }
    return "unknown status";
  }
};

}  // namespace

const std::error_category& status_category() {
  static const Category category;
  return category;
}

StatusErrc classify_status(std::string_view code) {
  if (code.ends_with("StreamNotFound")) return StatusErrc::stream_not_found;
  if (code.ends_with("BadName")) return StatusErrc::bad_name;
  if (code.ends_with("Unauthorized")) return StatusErrc::unauthorized;
  if (code.starts_with("NetConnection.Connect.")) return StatusErrc::connect_rejected;
  return StatusErrc::command_failed;
}

}  // namespace relaycast::rtmp
