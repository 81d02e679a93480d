#include "api/join_authority.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "server/hmac_signature.hpp"

namespace relaycast::api {
namespace fs = std::filesystem;

namespace {

// Enough distinct (node, reason) pairs for any real cluster; a client that makes up
// node ids only gets the log repeated after this many, not memory that grows.
constexpr size_t kMaxLogged = 4096;

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(text.begin());
  return text;
}

}  // namespace

JoinAuthority::JoinAuthority(std::string configured, fs::path secret_file)
    : configured_(std::move(configured)), file_(std::move(secret_file)), secret_(configured_) {}

Result<void> JoinAuthority::load() {
  if (!configured_.empty()) return {};
  std::error_code ec;
  if (!fs::exists(file_, ec)) return {};
  std::ifstream in(file_);
  std::stringstream text;
  text << in.rdbuf();
  auto secret = trimmed(text.str());
  if (!in || secret.empty())
    return fail(Errc::config, "cannot read the join secret from {} (remove it to make a new one, which makes every "
                "join token and node credential signed so far invalid, or set cluster.join_secret)", file_.string());
  std::lock_guard lock(mutex_);
  secret_ = std::move(secret);
  return {};
}

std::string JoinAuthority::describe() const {
  if (!configured_.empty()) return "cluster.join_secret";
  std::lock_guard lock(mutex_);
  return secret_.empty() ? fmt::format("none yet (made at the first token, kept in {})", file_.string()) : file_.string();
}

Result<std::string> JoinAuthority::sign(const cluster::JoinClaims& claims) {
  std::lock_guard lock(mutex_);
  if (secret_.empty()) {
    std::string secret = random_hex(32);
    // The secret signs every edge in: only this server's user may read it.
    if (auto ec = replace_file(file_, secret + "\n", fs::perms::owner_read | fs::perms::owner_write))
      return fail(Errc::config, "cannot keep a new join secret in {}: {} (set server.state_dir, or cluster.join_secret)",
                  file_.string(), ec.message());
    spdlog::info("cluster: made a join secret and kept it in {}; join tokens and node credentials are signed with it",
                 file_.string());
    secret_ = std::move(secret);
  }
  return cluster::sign_join_token(secret_, claims);
}

std::string JoinAuthority::credential_for(std::string_view node_id) const {
  std::lock_guard lock(mutex_);
  return secret_.empty() ? std::string() : cluster::node_credential(secret_, node_id);
}

bool JoinAuthority::first_time(std::string_view node_id, std::string_view what) {
  std::lock_guard lock(mutex_);
  if (logged_.size() >= kMaxLogged) logged_.clear();
  return logged_.emplace(std::string(node_id), std::string(what)).second;
}

void JoinAuthority::log_refusal(std::string_view node_id, std::string_view reason, std::string_view message,
                                std::string_view peer) {
  if (first_time(node_id, reason))
    spdlog::warn("cluster: heartbeat from node {} ({}) refused ({}): {}; logged once for this node and reason", node_id,
                 peer, reason, message);
}

JoinAuthority::Judgement JoinAuthority::judge(std::string_view bearer, std::string_view node_id, std::string_view peer,
                                              int64_t now_unix) {
  const bool token = bearer.starts_with(cluster::kJoinTokenPrefix);
  if (!token && !bearer.starts_with(cluster::kNodeCredentialPrefix)) return {};
  std::string secret;
  {
    std::lock_guard lock(mutex_);
    secret = secret_;
  }
  auto refuse = [&](std::string reason, std::string message) {
    log_refusal(node_id, reason, message, peer);
    return Judgement{Verdict::refused, std::move(reason), std::move(message)};
  };
  if (secret.empty())
    return refuse("forged", fmt::format("this registry has signed no join tokens (it has no cluster.join_secret and "
                                        "no {}); print one with `relaycast nodes join-command` on it", file_.string()));
  if (token) {
    auto claims = cluster::verify_join_token(secret, bearer, node_id, now_unix);
    if (!claims) return refuse(std::string(cluster::to_string(claims.error().fault)), claims.error().message);
    if (first_time(node_id, "joined"))
      spdlog::info("cluster: node {} ({}) joined with a join token valid until {}; it gets its node credential",
                   node_id, peer, cluster::utc_time(claims->expires_unix));
    return {Verdict::join_token, "", ""};
  }
  auto valid = cluster::verify_node_credential(secret, bearer, node_id);
  if (!valid) return refuse(std::string(cluster::to_string(valid.error().fault)), valid.error().message);
  return {Verdict::node_credential, "", ""};
}

}  // namespace relaycast::api
