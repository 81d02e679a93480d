#include "server/hmac_signature.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

TEST(HmacSignature, IsRfc4231TestCase2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSignature, ChecksWellFormedMacsOnly) {
  const auto mac = hmac_sha256_hex("k", "m");
  EXPECT_EQ(check_hmac_sha256_hex("k", "m", mac), MacCheck::valid);
  std::string upper = mac;
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(check_hmac_sha256_hex("k", "m", upper), MacCheck::valid);
  EXPECT_EQ(check_hmac_sha256_hex("k", "other message", mac), MacCheck::mismatch);
  EXPECT_EQ(check_hmac_sha256_hex("other key", "m", mac), MacCheck::mismatch);
  EXPECT_EQ(check_hmac_sha256_hex("k", "m", mac.substr(1)), MacCheck::malformed);
  EXPECT_EQ(check_hmac_sha256_hex("k", "m", "z" + mac.substr(1)), MacCheck::malformed);
}

TEST(Base64Url, RoundTripsWithoutPadding) {
  // RFC 4648 section 10, in the URL-safe alphabet and without '='.
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\xfe", "edge-1:8080"})
    EXPECT_EQ(base64url_decode(base64url_encode(text)), text);
}

TEST(Base64Url, RefusesOtherAlphabetsAndImpossibleLengths) {
  EXPECT_EQ(base64url_decode("Zm9v+g"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9v/g"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zg=="), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm 9v"), std::nullopt);
}

TEST(RandomHex, IsFreshEachTime) {
  const auto a = random_hex(32), b = random_hex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace relaycast
