#include "cluster/play_path.hpp"

#include <gtest/gtest.h>

#include "cluster/redis_registry.hpp"

namespace relaycast::cluster {
namespace {

TEST(PlayPath, MapsBalancerUrlsToTheNodesUrls) {
  EXPECT_EQ(play_target("/play/live/cam.m3u8"), "/live/cam/index.m3u8");
  EXPECT_EQ(play_target("/play/live/cam/ll.m3u8"), "/live/cam/ll.m3u8");
  EXPECT_EQ(play_target("/play/live/cam/master.m3u8"), "/live/cam/master.m3u8");
  EXPECT_EQ(play_target("/play/live/cam/index.m3u8"), "/live/cam/index.m3u8");
  EXPECT_EQ(play_target("/play/live/cam.flv?token=abc"), "/live/cam.flv?token=abc");
  EXPECT_EQ(play_target("/play/live/cam.m3u8?token=a"), "/live/cam/index.m3u8?token=a");
}

TEST(PlayPath, RefusesWhatIsNotAStream) {
  EXPECT_EQ(play_target("/play/live/cam.mp4"), std::nullopt);
  EXPECT_EQ(play_target("/play/live/cam/seg1.ts"), std::nullopt);
  EXPECT_EQ(play_target("/play/../etc/passwd.flv"), std::nullopt);
  EXPECT_EQ(play_target("/play/"), std::nullopt);
  EXPECT_EQ(play_target("/live/cam.flv"), std::nullopt);
}

TEST(RedisUrl, Parses) {
  auto a = parse_redis_url("redis://127.0.0.1:6380/2");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 2);
  EXPECT_EQ(parse_redis_url("redis://cache")->port, 6379);
  EXPECT_FALSE(parse_redis_url("http://x:1"));
  EXPECT_FALSE(parse_redis_url("redis://x:port"));
  EXPECT_FALSE(parse_redis_url("redis://:pw@x:1"));
}

}  // namespace
}  // namespace relaycast::cluster
