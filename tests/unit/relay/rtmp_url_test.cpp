#include "relay/rtmp_url.hpp"

#include <gtest/gtest.h>

namespace relaycast::relay {
namespace {

TEST(RtmpUrl, OriginWithoutAppOrStream) {
  auto u = parse_rtmp_url("rtmp://127.0.0.1:19350");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 19350);
  EXPECT_EQ(u->app, "");
  EXPECT_EQ(u->stream, "");
  const auto s = u->with_stream("live", "cam");
  EXPECT_EQ(s.tc_url(), "rtmp://127.0.0.1:19350/live");
  EXPECT_EQ(s.stream, "cam");
}

TEST(RtmpUrl, PushTargetWithKeyAndQuery) {
  auto u = parse_rtmp_url("rtmp://a.rtmp.example.com/live2/abcd-efgh-ijkl?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 1935);
  EXPECT_EQ(u->app, "live2");
  EXPECT_EQ(u->stream, "abcd-efgh-ijkl?x=1");
  EXPECT_EQ(u->redacted(), "rtmp://a.rtmp.example.com:1935/live2/abcd...");
}

TEST(RtmpUrl, Ipv6Host) {
  auto u = parse_rtmp_url("rtmp://[::1]:1936/live/x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->node(), "[::1]:1936");
}

TEST(RtmpUrl, RtmpsDefaultsToPort443AsPlatformIngestUrlsDo) {
  auto u = parse_rtmp_url("rtmps://live-api-s.facebook.com/rtmp/FB-1234-5678");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "live-api-s.facebook.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->app, "rtmp");
  EXPECT_EQ(u->stream, "FB-1234-5678");
  EXPECT_EQ(u->tc_url(), "rtmps://live-api-s.facebook.com:443/rtmp");
  EXPECT_EQ(u->redacted(), "rtmps://live-api-s.facebook.com:443/rtmp/FB-1...");
}

TEST(RtmpUrl, RtmpsHonoursAnExplicitPort) {
  auto u = parse_rtmp_url("rtmps://127.0.0.1:19360/live/cam");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, 19360);
  EXPECT_EQ(u->node(), "127.0.0.1:19360");
  // An origin given without a stream keeps its scheme when a stream is set.
  auto origin = parse_rtmp_url("rtmps://[::1]:1937");
  ASSERT_TRUE(origin);
  EXPECT_TRUE(origin->with_stream("live", "x").tls);
  EXPECT_EQ(origin->with_stream("live", "x").tc_url(), "rtmps://[::1]:1937/live");
}

TEST(RtmpUrl, PlainRtmpStaysOn1935WithoutTls) {
  auto u = parse_rtmp_url("rtmp://example.com/live/x");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, 1935);
}

TEST(RtmpUrl, BadUrlsSayWhatIsWrong) {
  for (const char* bad : {"http://x/live", "rtmp://", "rtmp://host:0/live", "rtmp://host:99999", "rtmp://host:x/a",
                          "rtmp://[::1/live", "rtmps://", "rtmps://host:0/live", "rtmpt://host/live"}) {
    auto u = parse_rtmp_url(bad);
    EXPECT_FALSE(u) << bad;
    if (!u) {
      EXPECT_NE(u.error().message().find(bad), std::string::npos) << u.error().message();
    }
  }
}

}  // namespace
}  // namespace relaycast::relay
