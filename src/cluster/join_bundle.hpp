#pragma once
// The one argument of `relaycast join`: everything a fresh machine needs to become an
// edge, in one word that survives any shell and cloud-init's YAML unquoted:
//
//   bundle = "rcjoin1." base64url(JSON {"token": "rcj1...",
//                                       "origins": ["rtmp://origin:1935", ...],
//                                       "heartbeat_urls": ["http://origin:8080", ...]})
//
// The bundle itself is not signed: the token inside it is, and whoever could change
// the bundle could as well change the command that carries it.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace relaycast::cluster {

inline constexpr std::string_view kJoinBundlePrefix = "rcjoin1.";

struct JoinBundle {
  std::string token;                        // a join token (cluster/join_token.hpp)
  std::vector<std::string> origins;         // cluster.origins: rtmp://host:port, in failover order
  std::vector<std::string> heartbeat_urls;  // cluster.heartbeat_urls: http://host:port of the registry

  bool operator==(const JoinBundle&) const = default;
};

std::string encode_join_bundle(const JoinBundle& bundle);
// The one shell command that makes a machine with the package installed an edge.
std::string join_command(std::string_view encoded_bundle);
// Errc::malformed saying what is wrong: the prefix, the encoding, a missing or bad field.
Result<JoinBundle> decode_join_bundle(std::string_view text);

}  // namespace relaycast::cluster
