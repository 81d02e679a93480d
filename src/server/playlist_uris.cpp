#include "server/playlist_uris.hpp"

namespace relaycast {
namespace {

void append_uri(std::string& out, std::string_view uri, std::string_view param) {
  out += uri;
  out += uri.find('?') == std::string_view::npos ? '?' : '&';
  out += param;
}

// RFC 8216bis 4.2: attribute lists; a quoted URI="..." holds no quote.
void append_tag(std::string& out, std::string_view line, std::string_view param) {
  constexpr std::string_view kUri = "URI=\"";
  size_t from = 0;
  for (;;) {
    const size_t at = line.find(kUri, from);
    // URI must start an attribute: after ':' or ',' (not e.g. "XURI=").
    if (at == std::string_view::npos) break;
    const size_t value = at + kUri.size();
    const size_t end = line.find('"', value);
    if (end == std::string_view::npos) break;
    out += line.substr(from, value - from);
    if (at > 0 && (line[at - 1] == ':' || line[at - 1] == ','))
      append_uri(out, line.substr(value, end - value), param);
    else
      out += line.substr(value, end - value);
    from = end;
  }
  out += line.substr(from);
}

}  // namespace

std::string with_uri_param(std::string_view playlist, std::string_view param) {
  std::string out;
  out.reserve(playlist.size() + playlist.size() / 8);
  while (!playlist.empty()) {
    const size_t nl = playlist.find('\n');
    const std::string_view line = playlist.substr(0, nl);
    if (line.starts_with('#'))
      append_tag(out, line, param);
    else if (!line.empty())
      append_uri(out, line, param);
    if (nl == std::string_view::npos) break;
    out += '\n';
    playlist.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace relaycast
