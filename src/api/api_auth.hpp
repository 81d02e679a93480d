#pragma once
// Who may use the API: with a token configured, a request with
// "Authorization: Bearer <token>" (compared in constant time) from anywhere; without
// one, any request from a loopback address and nothing else. The token can change on
// reload, so it sits behind a lock.
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace relaycast::api {

enum class AuthVerdict {
  allowed,
  missing_or_wrong_token,  // 401
  not_loopback,            // 403: no token configured and the peer is remote
};

bool is_loopback(const boost::asio::ip::address& address);
// The token of an "Authorization: Bearer <token>" header value; empty if it is not one.
std::string_view bearer_token(std::string_view authorization);

class ApiAuth {
public:
  explicit ApiAuth(std::string token) : token_(std::move(token)) {}

  AuthVerdict check(std::string_view authorization_header, const boost::asio::ip::address& peer) const;
  void set_token(std::string token);
  bool has_token() const;

private:
  mutable std::mutex mutex_;
  std::string token_;
};

}  // namespace relaycast::api
