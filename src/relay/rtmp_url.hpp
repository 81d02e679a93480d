#pragma once
// rtmp://host[:port][/app[/name]] and rtmps://... (RTMP over TLS, port 443 by default,
// as the platforms' ingest URLs use it) as origins and push targets are written.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace relaycast::relay {

struct RtmpUrl {
  std::string host;
  uint16_t port = 1935;
  bool tls = false;    // rtmps://
  std::string app;     // first path segment; empty for an origin ("rtmp://o1:1935")
  std::string stream;  // the rest, with any "?query": what to play or publish

  // "rtmp" or "rtmps"
  std::string_view scheme() const { return tls ? "rtmps" : "rtmp"; }
  // connect's tcUrl: "rtmp://host:port/app" (rtmps:// for TLS).
  std::string tc_url() const;
  // The same node, with app/stream set (an origin given for a stream).
  RtmpUrl with_stream(std::string_view app, std::string_view stream) const;
  // For logs and status: the stream name past its first 4 characters is hidden, since
  // for a platform's ingest URL it is the secret stream key.
  std::string redacted() const;
  // host:port
  std::string node() const;
};

// Errors say what is wrong with `text` (Errc::config).
Result<RtmpUrl> parse_rtmp_url(std::string_view text);

}  // namespace relaycast::relay
