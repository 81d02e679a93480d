#include "api/api_auth.hpp"

#include <openssl/crypto.h>

namespace relaycast::api {

bool is_loopback(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

std::string_view bearer_token(std::string_view authorization) {
  // RFC 6750 2.1; the scheme name is case-insensitive (RFC 9110 11.1).
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return {};
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

AuthVerdict ApiAuth::check(std::string_view authorization_header, const boost::asio::ip::address& peer) const {
  std::lock_guard lock(mutex_);
  if (token_.empty()) return is_loopback(peer) ? AuthVerdict::allowed : AuthVerdict::not_loopback;
  const auto given = bearer_token(authorization_header);
  // Constant time over the token's length: a wrong guess reveals no prefix of it.
  const bool same = given.size() == token_.size() && CRYPTO_memcmp(given.data(), token_.data(), token_.size()) == 0;
  return same ? AuthVerdict::allowed : AuthVerdict::missing_or_wrong_token;
}

void ApiAuth::set_token(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

bool ApiAuth::has_token() const {
  std::lock_guard lock(mutex_);
  return !token_.empty();
}

}  // namespace relaycast::api
