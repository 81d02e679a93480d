#include "record/recording_switches.hpp"

#include <fstream>
#include <sstream>

namespace relaycast::record {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<RecordingSwitches> parse_recording_switches(std::string_view text, std::string_view source) {
  RecordingSwitches switches;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string_view key = trim(line.substr(1));
    const bool named = !key.empty() && key.find_first_of(" \t") == std::string_view::npos;
    if ((line.front() != '+' && line.front() != '-') || !named)
      return fail(Errc::malformed, "{}:{}: expected \"+ app/name\" or \"- app/name\", got \"{}\"", source, line_number,
                  line);
    auto& into = line.front() == '+' ? switches.started : switches.stopped;
    auto& other = line.front() == '+' ? switches.stopped : switches.started;
    other.erase(std::string(key));  // the later line wins
    into.emplace(key);
  }
  return switches;
}

Result<RecordingSwitches> load_recording_switches(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(file)) return RecordingSwitches{};
    return fail(Errc::config, "cannot read {}", file.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_recording_switches(text.str(), file.string());
}

std::string format_recording_switches(const RecordingSwitches& switches) {
  std::string out =
      "# relaycast: recordings started (+) or stopped (-) through the API, over the config's [record].\n"
      "# Rewritten on every change; DELETE or POST /api/v1/streams/{app}/{name}/recording to change it.\n";
  for (const auto& key : switches.started) out += "+ " + key + "\n";
  for (const auto& key : switches.stopped) out += "- " + key + "\n";
  return out;
}

}  // namespace relaycast::record
