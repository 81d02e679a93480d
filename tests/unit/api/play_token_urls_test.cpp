// What POST /api/v1/tokens and `relaycast tokens sign` hand out.
#include "api/play_token_urls.hpp"

#include <gtest/gtest.h>

#include "server/play_token.hpp"

namespace relaycast::api {
namespace {

const auto kUrlsSignedAt = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600 - 7200));

TEST(PlayTokenUrls, SignsForTheStreamAndTtl) {
  auto t = signed_play_urls("s3cret", "live/cam", 7200, "http://example.com:8080/", "rtmp://example.com:1935",
                            kUrlsSignedAt);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ((*t)["expires_unix"], 1767225600);
  EXPECT_EQ((*t)["expires_at"], "2026-01-01T00:00:00Z");
  const std::string token = (*t)["token"];
  EXPECT_EQ(token, sign_play_token("s3cret", "live/cam", 1767225600));
  EXPECT_EQ((*t)["urls"]["flv"], "http://example.com:8080/live/cam.flv?token=" + token);
  EXPECT_EQ((*t)["urls"]["rtmp"], "rtmp://example.com:1935/live/cam?token=" + token);
  EXPECT_EQ((*t)["urls"]["hls"], "http://example.com:8080/live/cam/index.m3u8?token=" + token);
  EXPECT_EQ((*t)["urls"]["ll_hls"], "http://example.com:8080/live/cam/ll.m3u8?token=" + token);
}

TEST(PlayTokenUrls, RefusesBadInput) {
  EXPECT_FALSE(signed_play_urls("s", "cam", 60, "http://h", "rtmp://h", kUrlsSignedAt));
  EXPECT_FALSE(signed_play_urls("s", "live/*", 60, "http://h", "rtmp://h", kUrlsSignedAt));
  EXPECT_FALSE(signed_play_urls("s", "live/../x", 60, "http://h", "rtmp://h", kUrlsSignedAt));
  EXPECT_FALSE(signed_play_urls("s", "live/cam", 0, "http://h", "rtmp://h", kUrlsSignedAt));
  EXPECT_FALSE(signed_play_urls("s", "live/cam", kMaxTokenTtlSeconds + 1, "http://h", "rtmp://h", kUrlsSignedAt));
}

TEST(PlayTokenUrls, UrlHost) {
  EXPECT_EQ(url_host("http://example.com:8080/x"), "example.com");
  EXPECT_EQ(url_host("http://example.com"), "example.com");
  EXPECT_EQ(url_host("http://[::1]:8080"), "[::1]");
  EXPECT_EQ(url_host("127.0.0.1:8080"), "127.0.0.1");
}

}  // namespace
}  // namespace relaycast::api
