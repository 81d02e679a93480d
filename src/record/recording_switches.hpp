#pragma once
// The recordings started or stopped through the API, over what the config says. They
// are kept in the state directory so that a restart in the middle of an event goes on
// recording what the operator asked for. One line per stream, readable and editable:
//   + live/cam      record it (the API's POST .../recording)
//   - live/screen   do not   (the API's DELETE .../recording)
#include <filesystem>
#include <set>
#include <string>

#include "core/error.hpp"

namespace relaycast::record {

struct RecordingSwitches {
  std::set<std::string, std::less<>> started, stopped;

  bool empty() const { return started.empty() && stopped.empty(); }
  bool operator==(const RecordingSwitches&) const = default;
};

// A missing file is no switches. A line that is neither "+ key" nor "- key" (nor a
// comment) is an error naming the file and line.
Result<RecordingSwitches> load_recording_switches(const std::filesystem::path& file);
Result<RecordingSwitches> parse_recording_switches(std::string_view text, std::string_view source);
std::string format_recording_switches(const RecordingSwitches& switches);

}  // namespace relaycast::record
