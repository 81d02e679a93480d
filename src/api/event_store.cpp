#include "api/event_store.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "api/key_store.hpp"
#include "core/atomic_file.hpp"
#include "server/stream_path.hpp"

namespace relaycast::api {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool valid_name(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

bool valid_stream(std::string_view stream) {
  const auto slash = stream.find('/');
  return slash != std::string_view::npos && valid_stream_segment(stream.substr(0, slash)) &&
         valid_stream_segment(stream.substr(slash + 1));
}

std::string now_iso8601() {
  return fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace

bool valid_event_id(std::string_view id) { return valid_name(id, 64); }
bool valid_source_name(std::string_view name) { return valid_name(name, 32); }

Result<Event> event_from_json(const json& body) {
  if (!body.is_object()) return fail(Errc::malformed, "an event is a JSON object {{\"id\", \"title\", \"sources\"}}");
  Event e;
  if (!body.contains("id") || !body["id"].is_string()) return fail(Errc::malformed, "\"id\" (a string) is required");
  e.id = body["id"].get<std::string>();
  if (!valid_event_id(e.id))
    return fail(Errc::malformed, "event id \"{}\" is not 1-64 letters, digits, '-' or '_' (not starting with '-')", e.id);
  if (body.contains("title") && !body["title"].is_null()) {
    if (!body["title"].is_string()) return fail(Errc::malformed, "\"title\" must be a string");
    e.title = body["title"].get<std::string>();
    if (e.title.size() > kMaxEventTitle) return fail(Errc::malformed, "\"title\" is longer than {} bytes", kMaxEventTitle);
  }
  if (!body.contains("sources") || !body["sources"].is_array() || body["sources"].empty())
    return fail(Errc::malformed, "\"sources\" is required: a list of {{\"name\": \"camera\", \"stream\": \"live/cam\"}}");
  if (body["sources"].size() > kMaxEventSources)
    return fail(Errc::malformed, "an event has at most {} sources", kMaxEventSources);
  for (const auto& s : body["sources"]) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string() || !s.contains("stream") ||
        !s["stream"].is_string())
      return fail(Errc::malformed, "each source is {{\"name\": \"camera\", \"stream\": \"live/cam\"}}");
    EventSource source{s["name"].get<std::string>(), s["stream"].get<std::string>()};
    if (!valid_source_name(source.name))
      return fail(Errc::malformed, "source name \"{}\" is not 1-32 letters, digits, '-' or '_'", source.name);
    if (!valid_stream(source.stream))
      return fail(Errc::malformed, "source {}: \"{}\" is not app/name (letters, digits, _ - .)", source.name,
                  source.stream);
    if (std::any_of(e.sources.begin(), e.sources.end(), [&](const auto& o) { return o.name == source.name; }))
      return fail(Errc::malformed, "source name \"{}\" is given twice", source.name);
    e.sources.push_back(std::move(source));
  }
  if (body.contains("created_at") && body["created_at"].is_string()) e.created_at = body["created_at"];
  return e;
}

json event_json(const Event& e) {
  json sources = json::array();
  for (const auto& s : e.sources) sources.push_back({{"name", s.name}, {"stream", s.stream}});
  return {{"id", e.id}, {"title", e.title}, {"sources", sources},
          {"created_at", e.created_at.empty() ? json(nullptr) : json(e.created_at)}};
}

fs::path events_file(const Config& config) { return state_dir(config) / "events.json"; }

EventStore::EventStore(fs::path file) : file_(std::move(file)) {}

Result<void> EventStore::load() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (!fs::exists(file_, ec)) return {};
  std::ifstream in(file_);
  if (!in) return fail(Errc::config, "events file {}: cannot be read", file_.string());
  std::vector<Event> events;
  try {
    const json doc = json::parse(in);
    for (const auto& item : doc.at("events")) {
      auto event = event_from_json(item);
      if (!event)
        return fail(Errc::config, "events file {}: {} (fix it, or move it away to start without events)",
                    file_.string(), event.error().message());
      events.push_back(std::move(*event));
    }
  } catch (const json::exception& e) {
    return fail(Errc::config, "events file {}: {} (fix it, or move it away to start without events)", file_.string(),
                e.what());
  }
  events_ = std::move(events);
  return {};
}

std::vector<Event> EventStore::list() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::optional<Event> EventStore::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : events_)
    if (e.id == id) return e;
  return std::nullopt;
}

Result<Event> EventStore::create(Event event) {
  std::lock_guard lock(mutex_);
  for (const auto& e : events_)
    if (e.id == event.id) return fail(Errc::refused, "event {} exists (remove it first to change it)", event.id);
  event.created_at = now_iso8601();
  events_.push_back(event);
  if (auto saved = save_locked(); !saved) {
    events_.pop_back();
    return std::unexpected(saved.error());
  }
  return event;
}

Result<Event> EventStore::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(events_.begin(), events_.end(), [&](const Event& e) { return e.id == id; });
  if (it == events_.end()) return fail(Errc::not_found, "event {} not found: GET /api/v1/events lists them", id);
  Event removed = *it;
  events_.erase(it);
  if (auto saved = save_locked(); !saved) {
    events_.push_back(removed);
    return std::unexpected(saved.error());
  }
  return removed;
}

Result<void> EventStore::save_locked() const {
  json doc = {{"events", json::array()}};
  for (const auto& e : events_) doc["events"].push_back(event_json(e));
  if (auto ec = replace_file(file_, doc.dump(2) + '\n'))
    return fail(Errc::config, "cannot write the events file {}: {} (set server.state_dir)", file_.string(),
                ec.message());
  return {};
}

}  // namespace relaycast::api
