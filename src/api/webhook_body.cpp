#include "api/webhook_body.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace relaycast::api {
using nlohmann::json;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 2.1 percent-encoding, and the form encoding's '+' for a space. A '%' not
// followed by two hex digits is kept as it is.
std::string decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out += char(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// JSON strings must be valid UTF-8 (nlohmann throws on dump otherwise): a client's
// query may hold anything, so bytes outside printable ASCII become '?'.
std::string printable(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

std::string utc_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)), ms);
}

}  // namespace

json query_params(std::string_view query) {
  json out = json::object();
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      out[printable(decode(pair.substr(0, eq)))] = printable(decode(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

json webhook_body(HookEvent event, const HookClient& client, const HookOrigin& origin, const HookEnding* ending) {
  json body = {{"event", to_string(event)},
               {"app", printable(client.app)},
               {"name", printable(client.name)},
               {"stream", printable(client.app + "/" + client.name)},
               {"client_id", client.client_id},
               {"protocol", client.protocol},
               {"remote_address", client.remote_address},
               {"query", printable(client.query)},
               {"params", query_params(client.query)},
               {"server_id", origin.server_id},
               {"server_time", utc_ms(origin.now)}};
  if (ending) {
    body["reason"] = printable(ending->reason);
    body["duration_s"] = ending->duration_s;
  }
  return body;
}

json record_done_body(const RecordDone& record, const HookOrigin& origin) {
  return {{"event", to_string(HookEvent::record_done)},
          {"app", record.app},
          {"name", record.name},
          {"stream", record.app + "/" + record.name},
          {"file", printable(record.file)},
          {"duration_s", record.duration_s},
          {"bytes", record.bytes},
          {"server_id", origin.server_id},
          {"server_time", utc_ms(origin.now)}};
}

}  // namespace relaycast::api
