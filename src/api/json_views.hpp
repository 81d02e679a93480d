#pragma once
// The JSON shapes of the API (documented in openapi.json): streams, clients, keys.
#include <chrono>

#include <nlohmann/json.hpp>

#include "api/key_store.hpp"
#include "api/stream_monitor.hpp"
#include "server/session_registry.hpp"

namespace relaycast::api {

// "2026-11-26T03:20:37Z"
std::string iso8601(std::chrono::system_clock::time_point t);

nlohmann::json stream_json(const StreamView& stream);
nlohmann::json client_json(const ClientInfo& client);
nlohmann::json key_json(const ListedKey& key);

}  // namespace relaycast::api
