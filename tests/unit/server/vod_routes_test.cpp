#include "server/vod_routes.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

// The stream a replay's play token must be signed for.
TEST(VodStreamKey, IsTheAppAndNameOfEveryVodTarget) {
  EXPECT_EQ(vod_stream_key("/vod/live/cam/2026-11-26T15-27-18Z.mp4"), "live/cam");
  EXPECT_EQ(vod_stream_key("/vod/live/cam/2026-11-26T15-27-18Z.mp4/index.m3u8?token=1.ab"), "live/cam");
  EXPECT_EQ(vod_stream_key("/vod/live/cam/x.mp4?token=1.ab&x=/vod/other/a/b"), "live/cam");
}

TEST(VodStreamKey, IsEmptyForTargetsThatNameNoRecording) {
  EXPECT_EQ(vod_stream_key("/vod/"), "");
  EXPECT_EQ(vod_stream_key("/vod/live"), "");
  EXPECT_EQ(vod_stream_key("/vod/live/cam"), "");
  EXPECT_EQ(vod_stream_key("/vod//cam/x.mp4"), "");
  EXPECT_EQ(vod_stream_key("/vod"), "");
  EXPECT_EQ(vod_stream_key(""), "");
}

}  // namespace
}  // namespace relaycast
