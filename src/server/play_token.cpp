#include "server/play_token.hpp"

#include <array>
#include <charconv>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace relaycast {
namespace {

constexpr size_t kMacBytes = 32;  // SHA-256

std::array<uint8_t, kMacBytes> mac_of(std::string_view secret, std::string_view stream_key, std::string_view expiry) {
  const std::string message = fmt::format("{}:{}", stream_key, expiry);
  std::array<uint8_t, kMacBytes> out{};
  unsigned size = 0;
  HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const uint8_t*>(message.data()),
       message.size(), out.data(), &size);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string utc(int64_t unix_seconds) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time_t(unix_seconds)));
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
  std::string token = expiry + ".";
  for (const uint8_t b : mac_of(secret, stream_key, expiry)) token += fmt::format("{:02x}", b);
  return token;
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
  if (!digits_only || ec != std::errc() || end != expiry.data() + expiry.size() || mac_hex.size() != 2 * kMacBytes)
    return reject(TokenFault::malformed, fmt::format("the play token for {} is malformed (expected "
                                                     "<expiry>.<64 hex digits>)", stream_key));
  std::array<uint8_t, kMacBytes> given{};
  for (size_t i = 0; i < kMacBytes; ++i) {
    const int hi = hex_value(mac_hex[2 * i]), lo = hex_value(mac_hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return reject(TokenFault::malformed, fmt::format("the play token for {} is malformed (its signature is "
                                                       "not hexadecimal)", stream_key));
    given[i] = uint8_t(hi * 16 + lo);
  }
  const auto expected = mac_of(secret, stream_key, expiry);
  if (CRYPTO_memcmp(given.data(), expected.data(), kMacBytes) != 0)
    return reject(TokenFault::forged, fmt::format("the play token's signature is not valid for {} (signed for "
                                                  "another stream, edited, or with another secret)", stream_key));
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
