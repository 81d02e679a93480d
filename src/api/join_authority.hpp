#pragma once
// The registry's side of join tokens (cluster/join_token.hpp): the secret they are
// signed with, the tokens it signs (POST /api/v1/nodes/join-tokens), and who may send
// heartbeats (POST /api/v1/nodes/heartbeat).
//
// A heartbeat whose bearer token is a join token or a node credential is judged by
// them alone, wherever it comes from: valid, it is let in (a remote edge needs no
// api.token); invalid, it is refused with the reason (malformed, forged, expired, for
// another node), even on loopback. Any other heartbeat is judged by the API's own rule
// (api.token, or loopback without one), so setups from before join tokens keep working.
// Refusals are logged once per node and reason, not once a second per heartbeat.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "cluster/join_token.hpp"
#include "core/error.hpp"

namespace relaycast::api {

class JoinAuthority {
public:
  // `configured` is cluster.join_secret; without one the secret is the one kept in
  // `secret_file`, made at the first token signed.
  JoinAuthority(std::string configured, std::filesystem::path secret_file);

  // At start: reads a kept secret. An error if the file is there but unreadable or empty.
  Result<void> load();
  // Where the secret comes from, for the log and the API.
  std::string describe() const;

  // Signs a token, making (and keeping) the secret first if there is none.
  Result<std::string> sign(const cluster::JoinClaims& claims);

  enum class Verdict {
    not_join,         // neither a join token nor a node credential: the API's rule decides
    join_token,       // a valid join token: answer with the node's credential
    node_credential,  // a valid node credential
    refused,
  };
  struct Judgement {
    Verdict verdict = Verdict::not_join;
    std::string reason;   // refused: "expired", "forged", ...
    std::string message;  // refused: for the node and the log
  };
  Judgement judge(std::string_view bearer, std::string_view node_id, std::string_view peer, int64_t now_unix);
  // The credential to hand a node that joined with a join token; empty without a secret.
  std::string credential_for(std::string_view node_id) const;
  // Logs "heartbeat from node ... refused" once per node and reason.
  void log_refusal(std::string_view node_id, std::string_view reason, std::string_view message, std::string_view peer);

private:
  // Logs once per (node, what); false if it was logged before.
  bool first_time(std::string_view node_id, std::string_view what);

  const std::string configured_;
  const std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::string secret_;
  std::set<std::pair<std::string, std::string>, std::less<>> logged_;
};

}  // namespace relaycast::api
