#pragma once
// The JSON a webhook receives (README "Webhooks" documents each field):
//   {"event": "on_play", "app": "live", "name": "cam", "stream": "live/cam",
//    "client_id": 12, "protocol": "rtmp", "remote_address": "203.0.113.7:51234",
//    "query": "token=...&lang=en", "params": {"token": "...", "lang": "en"},
//    "server_id": "host-1", "server_time": "2026-11-26T07:00:00.123Z"}
// on_unpublish and on_stop add "reason" and "duration_s"; on_record_done describes
// the recording instead of a client.
#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/stream_hooks.hpp"

namespace relaycast::api {

struct HookOrigin {
  std::string server_id;  // this node (its host name)
  std::chrono::system_clock::time_point now;
};

nlohmann::json webhook_body(HookEvent event, const HookClient& client, const HookOrigin& origin,
                            const HookEnding* ending = nullptr);
nlohmann::json record_done_body(const RecordDone& record, const HookOrigin& origin);

// "a=1&b=x%20y&c" -> {"a": "1", "b": "x y", "c": ""}: percent-decoded, '+' as space;
// a repeated name keeps its last value.
nlohmann::json query_params(std::string_view query);

}  // namespace relaycast::api
