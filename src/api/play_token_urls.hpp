#pragma once
// A signed play token and the URLs that carry it, as POST /api/v1/tokens answers and
// `relaycast tokens sign` prints:
//   {"stream": "live/cam", "token": "1767225600.9f2c...", "expires_unix": 1767225600,
//    "expires_at": "2026-01-01T00:00:00Z", "ttl_s": 7200,
//    "urls": {"rtmp": ..., "flv": ..., "hls": ..., "ll_hls": ...}}
#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace relaycast::api {

inline constexpr int64_t kMaxTokenTtlSeconds = 366 * 24 * 3600;

// Errc::malformed for a stream that is not app/name or a ttl outside 1 s .. 366 days.
Result<nlohmann::json> signed_play_urls(std::string_view secret, std::string_view stream, int64_t ttl_s,
                                        std::string_view http_base, std::string_view rtmp_base,
                                        std::chrono::system_clock::time_point now);

// "http://host:port/x" -> "host" ("[::1]" stays bracketed); empty if there is none.
std::string url_host(std::string_view url);

}  // namespace relaycast::api
