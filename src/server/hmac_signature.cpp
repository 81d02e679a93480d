#include "server/hmac_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace relaycast {
namespace {

constexpr size_t kMacBytes = kHmacHexDigits / 2;

std::array<uint8_t, kMacBytes> mac_of(std::string_view secret, std::string_view message) {
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

std::string hex(const uint8_t* bytes, size_t size) {
  std::string out;
  out.reserve(2 * size);
  for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
  const auto mac = mac_of(secret, message);
  return hex(mac.data(), mac.size());
}

MacCheck check_hmac_sha256_hex(std::string_view secret, std::string_view message, std::string_view mac_hex) {
  if (mac_hex.size() != kHmacHexDigits) return MacCheck::malformed;
  std::array<uint8_t, kMacBytes> given{};
  for (size_t i = 0; i < kMacBytes; ++i) {
    const int hi = hex_value(mac_hex[2 * i]), lo = hex_value(mac_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return MacCheck::malformed;
    given[i] = uint8_t(hi * 16 + lo);
  }
  const auto expected = mac_of(secret, message);
  return CRYPTO_memcmp(given.data(), expected.data(), kMacBytes) == 0 ? MacCheck::valid : MacCheck::mismatch;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
  out.resize(size_t(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string padded;
  padded.reserve(text.size() + 3);
  for (const char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!plain && c != '-' && c != '_') return std::nullopt;
    padded += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  const size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()), int(padded.size()));
  if (n < 0 || size_t(n) < pad) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(size_t(n) - pad);
  return out;
}

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> buffer(bytes);
  if (RAND_bytes(buffer.data(), int(buffer.size())) != 1)
    throw std::runtime_error("OpenSSL's random generator failed (RAND_bytes)");
  return hex(buffer.data(), buffer.size());
}

}  // namespace relaycast
