// Signed play tokens: what a valid one is, and that each way of getting one wrong is
// refused with its own fault (and so its own Refusal reason and message).
#include "server/play_token.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

constexpr std::string_view kSecret = "test-secret";
constexpr int64_t kExpiry = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kBefore = kExpiry - 60;

TokenFault fault_of(std::string_view token, std::string_view stream = "live/cam", int64_t now = kBefore,
                    std::string_view secret = kSecret) {
  auto verdict = verify_play_token(secret, stream, token, now);
  EXPECT_FALSE(verdict) << token << " was accepted";
  return verdict ? TokenFault::missing : verdict.error().fault;
}

TEST(PlayToken, MatchesTheDocumentedFormat) {
  // What `printf '%s' "live/cam:1767225600" | openssl dgst -sha256 -hmac test-secret`
  // prints (README, "Signed play URLs"): other systems sign with exactly this.
  EXPECT_EQ(sign_play_token(kSecret, "live/cam", kExpiry),
            "1767225600.64f7c4d59885440bec73b8dd09f7d891d71c00e83600f14d8b46b3b9ee90bc3e");
}

TEST(PlayToken, ValidUntilItsExpiry) {
  const auto token = sign_play_token(kSecret, "live/cam", kExpiry);
  EXPECT_TRUE(verify_play_token(kSecret, "live/cam", token, kBefore));
  EXPECT_TRUE(verify_play_token(kSecret, "live/cam", token, kExpiry - 1));
  EXPECT_EQ(fault_of(token, "live/cam", kExpiry), TokenFault::expired);
  EXPECT_EQ(fault_of(token, "live/cam", kExpiry + 3600), TokenFault::expired);
}

TEST(PlayToken, ExpiredSaysWhen) {
  const auto token = sign_play_token(kSecret, "live/cam", kExpiry);
  auto verdict = verify_play_token(kSecret, "live/cam", token, kExpiry + 10);
  ASSERT_FALSE(verdict);
  EXPECT_EQ(verdict.error().message, "the play token for live/cam expired at 2026-01-01T00:00:00Z");
}

TEST(PlayToken, UppercaseHexIsTheSameSignature) {
  auto token = sign_play_token(kSecret, "live/cam", kExpiry);
  for (auto& c : token) c = char(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verify_play_token(kSecret, "live/cam", token, kBefore));
}

TEST(PlayToken, ForgedTokensAreRefused) {
  const auto token = sign_play_token(kSecret, "live/cam", kExpiry);
  // Another secret.
  EXPECT_EQ(fault_of(sign_play_token("other-secret", "live/cam", kExpiry)), TokenFault::forged);
  // The token of another stream, used for this one (a tampered URL).
  EXPECT_EQ(fault_of(token, "live/cam2"), TokenFault::forged);
  EXPECT_EQ(fault_of(token, "other/cam"), TokenFault::forged);
  // A later expiry pasted on a real signature: forged, not "valid" nor "expired".
  EXPECT_EQ(fault_of("1999999999" + token.substr(token.find('.'))), TokenFault::forged);
  // An expired token with an edited expiry is forged even though the time has passed.
  EXPECT_EQ(fault_of("1000" + token.substr(token.find('.')), "live/cam", kExpiry + 10), TokenFault::forged);
  // One flipped hex digit of the signature.
  auto flipped = token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_EQ(fault_of(flipped), TokenFault::forged);
}

TEST(PlayToken, ForgedMessageDoesNotRevealTheSignature) {
  const auto good = sign_play_token(kSecret, "live/cam", kExpiry);
  auto verdict = verify_play_token(kSecret, "live/cam", sign_play_token("x", "live/cam", kExpiry), kBefore);
  ASSERT_FALSE(verdict);
  EXPECT_EQ(verdict.error().message.find(good.substr(good.find('.') + 1, 16)), std::string::npos);
  EXPECT_NE(verdict.error().message.find("not valid for live/cam"), std::string::npos);
}

TEST(PlayToken, MissingAndMalformed) {
  EXPECT_EQ(fault_of(""), TokenFault::missing);
  const std::string mac(64, 'a');
  for (const std::string& bad : {std::string("1767225600"), std::string("1767225600."), "." + mac, "-5." + mac,
                                "+5." + mac, "12x." + mac, "1767225600." + mac.substr(1),
                                "1767225600." + mac + "a", "1767225600." + mac.substr(2) + "zz",
                                "99999999999999999999999." + mac, std::string("garbage")})
    EXPECT_EQ(fault_of(bad), TokenFault::malformed) << bad;
}

TEST(PlayToken, EachFaultHasItsOwnRefusal) {
  EXPECT_EQ(refusal_of(TokenFault::missing), Refusal::play_token_missing);
  EXPECT_EQ(refusal_of(TokenFault::malformed), Refusal::play_token_malformed);
  EXPECT_EQ(refusal_of(TokenFault::expired), Refusal::play_token_expired);
  EXPECT_EQ(refusal_of(TokenFault::forged), Refusal::play_token_forged);
  EXPECT_EQ(to_string(Refusal::play_token_forged), "play_token_forged");
  EXPECT_EQ(to_string(Refusal::webhook_denied), "webhook_denied");
}

TEST(PlayToken, UrlsCarryTheToken) {
  const auto urls = play_urls("http://h:8080", "rtmp://h:1935", "live/cam", "5.ab");
  EXPECT_EQ(urls.rtmp, "rtmp://h:1935/live/cam?token=5.ab");
  EXPECT_EQ(urls.flv, "http://h:8080/live/cam.flv?token=5.ab");
  EXPECT_EQ(urls.hls, "http://h:8080/live/cam/index.m3u8?token=5.ab");
  EXPECT_EQ(urls.ll_hls, "http://h:8080/live/cam/ll.m3u8?token=5.ab");
}

}  // namespace
}  // namespace relaycast
