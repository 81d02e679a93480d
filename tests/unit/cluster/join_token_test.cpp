// Join tokens and node credentials: what a registry accepts, and the reason it gives
// for what it refuses (cluster/join_token.hpp).
#include "cluster/join_token.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "server/hmac_signature.hpp"

namespace relaycast::cluster {
namespace {

constexpr std::string_view kSecret = "a cluster's join secret";
constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

JoinFault fault_of(std::string_view token, std::string_view node = "edge-1", std::string_view secret = kSecret) {
  auto verified = verify_join_token(secret, token, node, kNow);
  EXPECT_FALSE(verified) << token << " was accepted";
  return verified ? JoinFault::malformed : verified.error().fault;
}

TEST(JoinToken, SignedTokenIsAcceptedUntilItExpires) {
  const auto token = sign_join_token(kSecret, {.expires_unix = kNow + 3600});
  EXPECT_TRUE(token.starts_with("rcj1.1767229200.."));
  auto claims = verify_join_token(kSecret, token, "edge-1", kNow);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->expires_unix, kNow + 3600);
  EXPECT_EQ(claims->node_id, "");
  EXPECT_TRUE(verify_join_token(kSecret, token, "any other node", kNow + 3599));
  auto expired = verify_join_token(kSecret, token, "edge-1", kNow + 3600);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().fault, JoinFault::expired);
  EXPECT_NE(expired.error().message.find("expired at 2026-01-01T01:00:00Z"), std::string::npos) << expired.error().message;
}

TEST(JoinToken, FormatIsWhatTheReadmeSaysAnySignerCanProduce) {
  // printf '%s' "rcj1.1767229200." | openssl dgst -sha256 -hmac "$SECRET"
  const std::string by_hand = "rcj1.1767229200.." + hmac_sha256_hex(kSecret, "rcj1.1767229200.");
  EXPECT_EQ(sign_join_token(kSecret, {.expires_unix = kNow + 3600}), by_hand);
  const std::string for_node = "rcj1.1767229200." + base64url_encode("edge-1:8080");
  EXPECT_EQ(sign_join_token(kSecret, {.expires_unix = kNow + 3600, .node_id = "edge-1:8080"}),
            for_node + "." + hmac_sha256_hex(kSecret, for_node));
}

TEST(JoinToken, AnExpiredTokenIsRefusedAsExpired) {
  EXPECT_EQ(fault_of(sign_join_token(kSecret, {.expires_unix = kNow - 1})), JoinFault::expired);
}

TEST(JoinToken, ATokenOfAnotherSecretIsForged) {
  EXPECT_EQ(fault_of(sign_join_token("another cluster", {.expires_unix = kNow + 60})), JoinFault::forged);
}

TEST(JoinToken, AnEditedExpiryIsForgedNotExpired) {
  // The signature is checked first: pushing an expired token's expiry out is a forgery.
  auto token = sign_join_token(kSecret, {.expires_unix = kNow - 10});
  token.replace(5, 10, std::to_string(kNow + 86400));
  EXPECT_EQ(fault_of(token), JoinFault::forged);
}

TEST(JoinToken, AFlippedDigitOfTheSignatureIsForged) {
  auto token = sign_join_token(kSecret, {.expires_unix = kNow + 60});
  token.back() = token.back() == '0' ? '1' : '0';
  EXPECT_EQ(fault_of(token), JoinFault::forged);
}

TEST(JoinToken, AnEditedNodeIsForged) {
  auto token = sign_join_token(kSecret, {.expires_unix = kNow + 60, .node_id = "edge-1"});
  const auto first = token.find('.', 5) + 1;
  token.replace(first, token.find('.', first) - first, base64url_encode("edge-2"));
  EXPECT_EQ(fault_of(token, "edge-2"), JoinFault::forged);
}

TEST(JoinToken, ATokenForOneNodeIsRefusedToAnother) {
  const auto token = sign_join_token(kSecret, {.expires_unix = kNow + 60, .node_id = "edge-1"});
  EXPECT_TRUE(verify_join_token(kSecret, token, "edge-1", kNow));
  auto other = verify_join_token(kSecret, token, "edge-2", kNow);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().fault, JoinFault::other_node);
  EXPECT_NE(other.error().message.find("for node edge-1, not edge-2"), std::string::npos) << other.error().message;
}

TEST(JoinToken, MalformedTokensSayWhatIsWrong) {
  const auto good = sign_join_token(kSecret, {.expires_unix = kNow + 60});
  for (const std::string& token : {std::string(), std::string("rcj1."), std::string("1767225600.abc"),
                                  "rcj2" + good.substr(4), std::string("rcj1.17672x5600..") + std::string(64, 'a'),
                                  std::string("rcj1.-5..") + std::string(64, 'a'),
                                  std::string("rcj1.1767225600.e*dge.") + std::string(64, 'a'),
                                  std::string("rcj1.1767225600..") + std::string(63, 'a'),
                                  std::string("rcj1.1767225600..") + std::string(64, 'g'), good + "0",
                                  good.substr(0, good.size() - 1)}) {
    EXPECT_EQ(fault_of(token), JoinFault::malformed) << token;
    auto read = read_join_token(token);
    ASSERT_FALSE(read) << token;
    EXPECT_NE(read.error().message.find("malformed"), std::string::npos) << read.error().message;
  }
}

TEST(JoinToken, ReadingATokenNeedsNoSecret) {
  auto claims = read_join_token(sign_join_token(kSecret, {.expires_unix = kNow + 60, .node_id = "edge.example:8080"}));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->expires_unix, kNow + 60);
  EXPECT_EQ(claims->node_id, "edge.example:8080");
}

TEST(NodeCredential, IsBoundToItsNodeAndSecret) {
  const auto credential = node_credential(kSecret, "edge-1");
  EXPECT_TRUE(credential.starts_with("rcn1."));
  EXPECT_EQ(credential.size(), 5 + kHmacHexDigits);
  EXPECT_TRUE(verify_node_credential(kSecret, credential, "edge-1"));
  auto other_node = verify_node_credential(kSecret, credential, "edge-2");
  ASSERT_FALSE(other_node);
  EXPECT_EQ(other_node.error().fault, JoinFault::forged);
  auto other_secret = verify_node_credential("another cluster", credential, "edge-1");
  ASSERT_FALSE(other_secret);
  EXPECT_EQ(other_secret.error().fault, JoinFault::forged);
  for (const std::string& bad : {std::string("rcn1.xyz"), credential.substr(0, credential.size() - 1), "rcn2" + credential.substr(4)})
    EXPECT_EQ(verify_node_credential(kSecret, bad, "edge-1").error().fault, JoinFault::malformed) << bad;
}

TEST(NodeCredential, IsNeverAJoinToken) {
  // Same secret, distinct messages: one cannot stand for the other.
  const auto credential = node_credential(kSecret, "edge-1");
  EXPECT_EQ(fault_of(credential), JoinFault::malformed);
  const auto token = sign_join_token(kSecret, {.expires_unix = kNow + 60, .node_id = "edge-1"});
  EXPECT_FALSE(verify_node_credential(kSecret, token, "edge-1"));
}

}  // namespace
}  // namespace relaycast::cluster
