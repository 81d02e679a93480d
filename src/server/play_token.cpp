#include "server/play_token.hpp"

#include <charconv>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "server/hmac_signature.hpp"

namespace relaycast {
namespace {

std::string utc(int64_t unix_seconds) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time_t(unix_seconds)));
}

// What the mac signs: "<app>/<name>:<expiry>".
std::string message_of(std::string_view stream_key, std::string_view expiry) {
  return fmt::format("{}:{}", stream_key, expiry);
}

}  // namespace

Refusal refusal_of(TokenFault fault) {
  switch (fault) {
    case TokenFault::missing: return Refusal::play_token_missing;
    case TokenFault::malformed: return Refusal::play_token_malformed;
    case TokenFault::expired: return Refusal::play_token_expired;
    case TokenFault::forged: return Refusal::play_token_forged;
  }
  return Refusal::play_token_forged;
}

std::string sign_play_token(std::string_view secret, std::string_view stream_key, int64_t expires_unix) {
  const std::string expiry = std::to_string(expires_unix);
  return expiry + "." + hmac_sha256_hex(secret, message_of(stream_key, expiry));
}

std::expected<void, TokenRejection> verify_play_token(std::string_view secret, std::string_view stream_key,
                                                      std::string_view token, int64_t now_unix) {
  auto reject = [&](TokenFault fault, std::string message) {
    return std::unexpected(TokenRejection{fault, std::move(message)});
  };
  if (token.empty())
    return reject(TokenFault::missing, fmt::format("{} needs a signed play token (?token=...)", stream_key));
  const auto dot = token.find('.');
  const std::string_view expiry = token.substr(0, dot);
  const std::string_view mac_hex = dot == std::string_view::npos ? std::string_view() : token.substr(dot + 1);
  int64_t expires = 0;
  const auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), expires);
  const bool digits_only = !expiry.empty() && expiry.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only || ec != std::errc() || end != expiry.data() + expiry.size() || mac_hex.size() != kHmacHexDigits)
    return reject(TokenFault::malformed, fmt::format("the play token for {} is malformed (expected "
                                                     "<expiry>.<64 hex digits>)", stream_key));
  switch (check_hmac_sha256_hex(secret, message_of(stream_key, expiry), mac_hex)) {
    case MacCheck::valid: break;
    case MacCheck::malformed:
      return reject(TokenFault::malformed, fmt::format("the play token for {} is malformed (its signature is "
                                                       "not hexadecimal)", stream_key));
    case MacCheck::mismatch:
      return reject(TokenFault::forged, fmt::format("the play token's signature is not valid for {} (signed for "
                                                    "another stream, edited, or with another secret)", stream_key));
  }
  if (expires <= now_unix)
    return reject(TokenFault::expired, fmt::format("the play token for {} expired at {}", stream_key, utc(expires)));
  return {};
}

PlayUrls play_urls(std::string_view http_base, std::string_view rtmp_base, std::string_view stream_key,
                   std::string_view token) {
  return {.rtmp = fmt::format("{}/{}?token={}", rtmp_base, stream_key, token),
          .flv = fmt::format("{}/{}.flv?token={}", http_base, stream_key, token),
          .hls = fmt::format("{}/{}/index.m3u8?token={}", http_base, stream_key, token),
          .ll_hls = fmt::format("{}/{}/ll.m3u8?token={}", http_base, stream_key, token)};
}

}  // namespace relaycast
