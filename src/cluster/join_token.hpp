#pragma once
// Join tokens: what lets a new machine become an edge of this cluster. The registry's
// origin signs one (POST /api/v1/nodes/join-tokens, `relaycast nodes join-command`);
// the edge's first heartbeats carry it as their bearer token:
//
//   token   = "rcj1." <expiry> "." <node> "." <mac>
//   expiry  = end of validity, seconds since 1970-01-01 UTC, decimal
//   node    = base64url (RFC 4648 section 5, no padding) of the one node id that may
//             use it; empty: any node id
//   mac     = hex(HMAC-SHA256(key = cluster.join_secret, message = everything before
//             the last "." ("rcj1.<expiry>.<node>"))), 64 lowercase digits
//
// Any system holding the secret can sign one:
//   printf '%s' "rcj1.1767225600." | openssl dgst -sha256 -hmac "$SECRET"
//
// Why a second credential. A join token is short-lived on purpose: it travels in
// cloud-init user data, which any process on the new machine can read from the cloud's
// metadata service for as long as the machine lives, and in shell histories. An edge
// must keep heartbeating long after it expires, though. So the token only has to be
// valid when the node first joins: the registry then answers that heartbeat with a
// node credential, bound to the node id and never expiring,
//
//   credential = "rcn1." hex(HMAC-SHA256(cluster.join_secret, "rcn1." <node>))
//
// which the edge keeps in its state directory and sends from then on. Checking it needs
// nothing but the secret: registries keep no list of joined nodes, an origin restart
// loses nothing, and several origins sharing a Redis registry (and the secret) accept
// each other's edges. A new secret revokes every token and credential at once.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace relaycast::cluster {

inline constexpr std::string_view kJoinTokenPrefix = "rcj1.";
inline constexpr std::string_view kNodeCredentialPrefix = "rcn1.";

struct JoinClaims {
  int64_t expires_unix = 0;
  std::string node_id;  // empty: any node may join with it
};

// Why a token or credential is refused; each reason is logged once per node.
enum class JoinFault : uint8_t {
  malformed,   // not the format above
  forged,      // the signature does not match: another cluster's secret, or edited
  expired,     // well signed, but past its expiry
  other_node,  // well signed for another node id
};
std::string_view to_string(JoinFault fault);

struct JoinRejection {
  JoinFault fault;
  std::string message;  // for the node and the log: what is wrong, never the expected mac
};

std::string sign_join_token(std::string_view secret, const JoinClaims& claims);
// The claims of a well-formed token, signature not checked: what `relaycast join`
// (which has no secret) can tell about the token it was given.
std::expected<JoinClaims, JoinRejection> read_join_token(std::string_view token);
// Accepts a token signed with `secret`, not past `now_unix`, for `node_id` (or any node).
// The signature is checked before the expiry: an edited expiry is a forgery.
std::expected<JoinClaims, JoinRejection> verify_join_token(std::string_view secret, std::string_view token,
                                                           std::string_view node_id, int64_t now_unix);

std::string node_credential(std::string_view secret, std::string_view node_id);
std::expected<void, JoinRejection> verify_node_credential(std::string_view secret, std::string_view credential,
                                                          std::string_view node_id);

// "2026-01-01T00:00:00Z".
std::string utc_time(int64_t unix_seconds);

}  // namespace relaycast::cluster
