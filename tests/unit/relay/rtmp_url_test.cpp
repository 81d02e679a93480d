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

TEST(RtmpUrl, BadUrlsSayWhatIsWrong) {
  for (const char* bad : {"http://x/live", "rtmp://", "rtmp://host:0/live", "rtmp://host:99999", "rtmp://host:x/a",
                          "rtmp://[::1/live"}) {
    auto u = parse_rtmp_url(bad);
    EXPECT_FALSE(u) << bad;
    if (!u) {
      EXPECT_NE(u.error().message().find(bad), std::string::npos) << u.error().message();
    }
  }
}

}  // namespace
}  // namespace relaycast::relay
