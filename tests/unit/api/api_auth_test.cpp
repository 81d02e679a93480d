#include "api/api_auth.hpp"

#include <gtest/gtest.h>

namespace relaycast::api {
namespace {

const auto kLoopback = boost::asio::ip::make_address("127.0.0.1");
const auto kLoopback6 = boost::asio::ip::make_address("::1");
const auto kMapped = boost::asio::ip::make_address("::ffff:127.0.0.1");
const auto kRemote = boost::asio::ip::make_address("192.0.2.7");

TEST(ApiAuth, WithoutATokenOnlyLoopbackIsAllowed) {
  ApiAuth auth("");
  EXPECT_EQ(auth.check("", kLoopback), AuthVerdict::allowed);
  EXPECT_EQ(auth.check("", kLoopback6), AuthVerdict::allowed);
  EXPECT_EQ(auth.check("", kMapped), AuthVerdict::allowed);
  EXPECT_EQ(auth.check("", kRemote), AuthVerdict::not_loopback);
  EXPECT_EQ(auth.check("Bearer anything", kRemote), AuthVerdict::not_loopback);
}

TEST(ApiAuth, WithATokenEveryoneNeedsIt) {
  ApiAuth auth("s3cret-token");
  EXPECT_EQ(auth.check("Bearer s3cret-token", kRemote), AuthVerdict::allowed);
  EXPECT_EQ(auth.check("bearer s3cret-token", kRemote), AuthVerdict::allowed) << "the scheme is case-insensitive";
  EXPECT_EQ(auth.check("", kLoopback), AuthVerdict::missing_or_wrong_token) << "loopback is no exception then";
  EXPECT_EQ(auth.check("Bearer s3cret-toke", kRemote), AuthVerdict::missing_or_wrong_token);
  EXPECT_EQ(auth.check("Bearer s3cret-token2", kRemote), AuthVerdict::missing_or_wrong_token);
  EXPECT_EQ(auth.check("Basic s3cret-token", kRemote), AuthVerdict::missing_or_wrong_token);
  EXPECT_EQ(auth.check("s3cret-token", kRemote), AuthVerdict::missing_or_wrong_token);
}

TEST(ApiAuth, TokenChangesOnReload) {
  ApiAuth auth("old");
  auth.set_token("new");
  EXPECT_EQ(auth.check("Bearer old", kLoopback), AuthVerdict::missing_or_wrong_token);
  EXPECT_EQ(auth.check("Bearer new", kLoopback), AuthVerdict::allowed);
  auth.set_token("");
  EXPECT_FALSE(auth.has_token());
  EXPECT_EQ(auth.check("", kLoopback), AuthVerdict::allowed);
}

TEST(ApiAuth, BearerTokenIsTrimmed) {
  EXPECT_EQ(bearer_token("Bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Token abc"), "");
}

}  // namespace
}  // namespace relaycast::api
