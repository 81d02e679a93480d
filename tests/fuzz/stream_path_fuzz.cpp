// The routing of HTTP request targets (/app/name.flv, /app/name/file) and their query
// strings: whatever a client sends, what comes out is made of the safe alphabet, so it
// can never climb out of a folder or inject into a header or a log, and rebuilding the
// target from the parts parses to the same parts.
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "server/publish_keys.hpp"
#include "server/srt_stream_id.hpp"
#include "server/stream_path.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);

  if (auto path = parse_stream_path(target)) {
    FUZZ_CHECK(valid_stream_segment(path->app) && valid_stream_segment(path->name) &&
               valid_stream_segment(path->extension));
    FUZZ_CHECK(path->app.front() != '.' && path->name.front() != '.');  // never "." or ".."
    FUZZ_CHECK(path->key().size() <= size);
    std::string rebuilt = "/" + path->app + "/" + path->name + "." + path->extension;
    if (target.find('?') != std::string_view::npos) rebuilt += "?" + path->query;
    auto again = parse_stream_path(rebuilt);
    FUZZ_CHECK(again && again->app == path->app && again->name == path->name &&
               again->extension == path->extension && again->query == path->query);
  }

  if (auto file = parse_stream_file_path(target)) {
    FUZZ_CHECK(valid_stream_segment(file->app) && valid_stream_segment(file->name) && valid_stream_segment(file->file));
    FUZZ_CHECK(file->file.front() != '.');
    std::string rebuilt = "/" + file->app + "/" + file->name + "/" + file->file;
    if (target.find('?') != std::string_view::npos) rebuilt += "?" + file->query;
    auto again = parse_stream_file_path(rebuilt);
    FUZZ_CHECK(again && again->app == file->app && again->name == file->name && again->file == file->file &&
               again->query == file->query);
  }

  // Query parameters (stream keys, _HLS_msn): a value is a piece of the query.
  const auto q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? target : target.substr(q + 1);
  for (std::string_view name : {"key", "token", "_HLS_msn", "_HLS_part", ""}) {
    const auto value = query_param(query, name);
    FUZZ_CHECK(value.size() <= query.size());
    FUZZ_CHECK(value.find('&') == std::string::npos);
  }
  // The same text as an SRT stream id: what it names is a safe app/name, too.
  if (auto id = parse_srt_stream_id(target)) {
    FUZZ_CHECK(valid_stream_segment(id->app) && valid_stream_segment(id->name));
    FUZZ_CHECK(id->key().size() <= size);
  }

  return 0;
}
