#pragma once
// HMAC-SHA256 signatures as the tokens of relaycast carry them (play tokens, join
// tokens, node credentials): 64 lowercase hex digits, checked in constant time so that
// a wrong guess reveals nothing about the right one. Plus the two encodings those
// tokens need: base64url for text that must not contain the tokens' '.' separators,
// and random secrets from OpenSSL's generator.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace relaycast {

inline constexpr size_t kHmacHexDigits = 64;  // SHA-256: 32 bytes

// hex(HMAC-SHA256(key = secret, message)).
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

enum class MacCheck {
  valid,
  malformed,  // not 64 hexadecimal digits
  mismatch,   // well formed, but not the mac of this message under this secret
};
// Whether `mac_hex` is the mac of `message`; upper-case digits are accepted.
MacCheck check_hmac_sha256_hex(std::string_view secret, std::string_view message, std::string_view mac_hex);

// RFC 4648 section 5 (URL and file name safe alphabet), without padding.
std::string base64url_encode(std::string_view bytes);
// Nothing for text outside that alphabet or of an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// `bytes` random bytes from OpenSSL's CSPRNG, as 2 * bytes hex digits.
std::string random_hex(size_t bytes);

}  // namespace relaycast
