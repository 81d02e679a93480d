#pragma once
// Signed play URLs. A token lets whoever holds the URL play one stream until a time:
//
//   token = <expiry>.<mac>
//   expiry = the end of validity, in seconds since 1970-01-01 UTC, decimal
//   mac    = hex(HMAC-SHA256(secret, "<app>/<name>:<expiry>")), 64 lowercase digits
//
// and goes in the play URL's query as ?token=... (RTMP play name or tcUrl, HTTP-FLV,
// HLS playlists, segments and parts). Anything that can compute an HMAC can sign:
//   printf '%s' "live/cam:1767225600" | openssl dgst -sha256 -hmac "$SECRET"
// The mac is checked before the expiry (a changed expiry is a forgery, not an expired
// token) and compared in constant time.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "server/refusals.hpp"

namespace relaycast {

// Why a token was refused; each is counted under its own Refusal reason.
enum class TokenFault : uint8_t { missing, malformed, expired, forged };
Refusal refusal_of(TokenFault fault);

struct TokenRejection {
  TokenFault fault;
  std::string message;  // for the client and the log: what is wrong, never the expected mac
};

// "<expiry>.<mac>" for `stream_key` ("app/name").
std::string sign_play_token(std::string_view secret, std::string_view stream_key, int64_t expires_unix);

// Accepts a token for `stream_key` that is well signed and not past `now_unix`.
std::expected<void, TokenRejection> verify_play_token(std::string_view secret, std::string_view stream_key,
                                                      std::string_view token, int64_t now_unix);

// The URLs a viewer opens, each carrying the token. `http_base` is "http://host:port",
// `rtmp_base` "rtmp://host:port".
struct PlayUrls {
  std::string rtmp, flv, hls, ll_hls;
};
PlayUrls play_urls(std::string_view http_base, std::string_view rtmp_base, std::string_view stream_key,
                   std::string_view token);

}  // namespace relaycast
