#include "cluster/join_token.hpp"

#include <charconv>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "server/hmac_signature.hpp"

namespace relaycast::cluster {
namespace {

auto reject(JoinFault fault, std::string message) { return std::unexpected(JoinRejection{fault, std::move(message)}); }

struct TokenParts {
  JoinClaims claims;
  std::string_view signed_text, mac;
};

std::expected<TokenParts, JoinRejection> split(std::string_view token) {
  const auto malformed = [&](std::string_view why) {
    return reject(JoinFault::malformed,
                  fmt::format("the join token is malformed ({}; expected rcj1.<expiry>.<node>.<64 hex digits>)", why));
  };
  if (!token.starts_with(kJoinTokenPrefix)) return malformed("it does not start with rcj1.");
  const auto last = token.rfind('.');
  if (last < kJoinTokenPrefix.size()) return malformed("it has too few parts");
  const std::string_view signed_text = token.substr(0, last), mac = token.substr(last + 1);
  const std::string_view fields = signed_text.substr(kJoinTokenPrefix.size());
  const auto dot = fields.find('.');
  if (dot == std::string_view::npos) return malformed("it has too few parts");
  const std::string_view expiry = fields.substr(0, dot), node = fields.substr(dot + 1);
  TokenParts parts{.signed_text = signed_text, .mac = mac};
  const auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), parts.claims.expires_unix);
  if (expiry.empty() || expiry.find_first_not_of("0123456789") != std::string_view::npos || ec != std::errc() ||
      end != expiry.data() + expiry.size())
    return malformed("its expiry is not a number of seconds");
  auto node_id = base64url_decode(node);
  if (!node_id) return malformed("its node id is not base64url");
  parts.claims.node_id = std::move(*node_id);
  if (mac.size() != kHmacHexDigits || mac.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
    return malformed("its signature is not 64 hex digits");
  return parts;
}

std::string credential_message(std::string_view node_id) {
  return fmt::format("{}{}", kNodeCredentialPrefix, base64url_encode(node_id));
}

}  // namespace

std::string_view to_string(JoinFault fault) {
  switch (fault) {
    case JoinFault::malformed: return "malformed";
    case JoinFault::forged: return "forged";
    case JoinFault::expired: return "expired";
    case JoinFault::other_node: return "other node";
  }
  return "forged";
}

std::string utc_time(int64_t unix_seconds) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time_t(unix_seconds)));
}

std::string sign_join_token(std::string_view secret, const JoinClaims& claims) {
  const std::string signed_text =
      fmt::format("{}{}.{}", kJoinTokenPrefix, claims.expires_unix, base64url_encode(claims.node_id));
  return signed_text + "." + hmac_sha256_hex(secret, signed_text);
}

std::expected<JoinClaims, JoinRejection> read_join_token(std::string_view token) {
  auto parts = split(token);
  if (!parts) return std::unexpected(parts.error());
  return parts->claims;
}

std::expected<JoinClaims, JoinRejection> verify_join_token(std::string_view secret, std::string_view token,
                                                           std::string_view node_id, int64_t now_unix) {
  auto parts = split(token);
  if (!parts) return std::unexpected(parts.error());
  if (check_hmac_sha256_hex(secret, parts->signed_text, parts->mac) != MacCheck::valid)
    return reject(JoinFault::forged, "the join token's signature is not valid (signed with another cluster's "
                                     "join secret, or edited)");
  const auto& claims = parts->claims;
  if (claims.expires_unix <= now_unix)
    return reject(JoinFault::expired, fmt::format("the join token expired at {}; print a new one with `relaycast "
                                                  "nodes join-command` on the origin", utc_time(claims.expires_unix)));
  if (!claims.node_id.empty() && claims.node_id != node_id)
    return reject(JoinFault::other_node,
                  fmt::format("the join token is for node {}, not {}", claims.node_id, node_id));
  return claims;
}

std::string node_credential(std::string_view secret, std::string_view node_id) {
  return fmt::format("{}{}", kNodeCredentialPrefix, hmac_sha256_hex(secret, credential_message(node_id)));
}

std::expected<void, JoinRejection> verify_node_credential(std::string_view secret, std::string_view credential,
                                                          std::string_view node_id) {
  if (!credential.starts_with(kNodeCredentialPrefix))
    return reject(JoinFault::malformed, "the node credential is malformed (expected rcn1.<64 hex digits>)");
  switch (check_hmac_sha256_hex(secret, credential_message(node_id), credential.substr(kNodeCredentialPrefix.size()))) {
    case MacCheck::valid: return {};
    case MacCheck::malformed:
      return reject(JoinFault::malformed, "the node credential is malformed (expected rcn1.<64 hex digits>)");
    case MacCheck::mismatch: break;
  }
  return reject(JoinFault::forged, fmt::format("the node credential is not valid for node {} (issued for another "
                                               "node, or by a registry with another join secret)", node_id));
}

}  // namespace relaycast::cluster
