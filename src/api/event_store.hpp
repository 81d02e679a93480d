#pragma once
// Events: the live streams of one meetup under one name, played together by
// /event/{id} (camera and slides side by side, in sync). Created, listed and removed
// through the API; kept in a JSON state file (<server.state_dir>/events.json) so a
// restart keeps them. The file is rewritten whole (temporary file, then rename).
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/error.hpp"

namespace relaycast::api {

struct EventSource {
  std::string name;    // "camera"
  std::string stream;  // "live/cam"

  bool operator==(const EventSource&) const = default;
};

struct Event {
  std::string id;  // "phpers-42": in URLs (/event/phpers-42)
  std::string title;
  std::vector<EventSource> sources;  // in the order the player lays them out
  std::string created_at;            // ISO 8601

  bool operator==(const Event&) const = default;
};

inline constexpr size_t kMaxEventSources = 8;
inline constexpr size_t kMaxEventTitle = 200;

// Letters, digits, '-' and '_', 1-64 of them, not starting with '-' (no '.': the id is
// a path segment next to /event/{id}/status).
bool valid_event_id(std::string_view id);
// Same alphabet, 1-32 characters: "camera", "slides".
bool valid_source_name(std::string_view name);

// {"id", "title", "sources": [{"name", "stream"}]} from a request body or the state
// file; the error says which field is wrong and what is allowed.
Result<Event> event_from_json(const nlohmann::json& body);
nlohmann::json event_json(const Event& event);

std::filesystem::path events_file(const Config& config);

class EventStore {
public:
  explicit EventStore(std::filesystem::path file);

  // Reads the state file (a missing file is no events).
  Result<void> load();
  std::vector<Event> list() const;
  std::optional<Event> find(std::string_view id) const;
  // Errc::refused when an event with that id exists; sets created_at.
  Result<Event> create(Event event);
  // Errc::not_found when there is none.
  Result<Event> remove(std::string_view id);
  const std::filesystem::path& file() const { return file_; }

private:
  Result<void> save_locked() const;

  const std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

}  // namespace relaycast::api
