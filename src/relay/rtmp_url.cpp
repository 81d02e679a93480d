#include "relay/rtmp_url.hpp"

#include <charconv>

#include <fmt/format.h>

namespace relaycast::relay {

std::string RtmpUrl::node() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string RtmpUrl::tc_url() const { return fmt::format("{}://{}/{}", scheme(), node(), app); }

RtmpUrl RtmpUrl::with_stream(std::string_view a, std::string_view s) const {
  RtmpUrl out = *this;
  out.app = std::string(a);
  out.stream = std::string(s);
  return out;
}

std::string RtmpUrl::redacted() const {
  std::string name = stream.substr(0, stream.find('?'));
  if (name.size() > 4) name = name.substr(0, 4) + "...";
  return fmt::format("{}://{}/{}{}{}", scheme(), node(), app, stream.empty() ? "" : "/", name);
}

Result<RtmpUrl> parse_rtmp_url(std::string_view text) {
  RtmpUrl url;
  std::string_view rest;
  if (text.starts_with("rtmps://")) {
    url.tls = true;
    url.port = 443;
    rest = text.substr(8);
  } else if (text.starts_with("rtmp://")) {
    rest = text.substr(7);
  } else {
    return fail(Errc::config, "\"{}\" is not an rtmp:// or rtmps:// URL (rtmp[s]://host[:port][/app/name])", text);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  std::string_view port_text;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::config, "\"{}\": unclosed [ in the host", text);
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail(Errc::config, "\"{}\": junk after the host", text);
      port_text = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return fail(Errc::config, "\"{}\" has no host", text);
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return fail(Errc::config, "\"{}\": the port must be a number from 1 to 65535", text);
    url.port = uint16_t(port);
  }
  const size_t app_end = path.find('/');
  url.app = std::string(path.substr(0, app_end));
  if (app_end != std::string_view::npos) url.stream = std::string(path.substr(app_end + 1));
  return url;
}

}  // namespace relaycast::relay
