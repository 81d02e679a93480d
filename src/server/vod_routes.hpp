#pragma once
// Replay of recordings over HTTP: /vod/{app}/{name}/{file} is the .mp4 itself
// (progressive download, Range requests), /vod/{app}/{name}/{file}/index.m3u8 an HLS
// playlist over byte ranges of it. A recording still being written plays too: its
// playlist is an EVENT one that grows.
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "record/recorder.hpp"
#include "server/http_response.hpp"

namespace relaycast {

inline bool is_vod_target(std::string_view target) { return target.starts_with("/vod/"); }

// "app/name" of a /vod/{app}/{name}/... target: the stream whose play tokens its
// recordings take. Empty for a target of any other shape (which answers 404).
std::string vod_stream_key(std::string_view target);

// Reads the file (memory-mapped; blocking, but only page faults of the index).
HttpResponse vod_response(const record::Recorder& recorder, const Config& config, std::string_view target);

}  // namespace relaycast
