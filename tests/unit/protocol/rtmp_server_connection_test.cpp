#include "protocol/rtmp/server_connection.hpp"

#include <gtest/gtest.h>

#include <random>

#include "fixture.hpp"
#include "protocol/rtmp/chunk_reader.hpp"

namespace relaycast::rtmp {
namespace {

using relaycast::testing::kHandshakeBytes;
using relaycast::testing::read_fixture;

struct Seen {
  std::vector<PublishRequest> publishes;
  std::vector<PlayRequest> plays;
  size_t audio = 0, video = 0, data = 0, stops = 0;
  std::vector<uint32_t> video_timestamps;
};

// Feeds the chunk stream part of a recorded session in slices of `slice` bytes
// (0: random sizes) and collects the events.
Seen run_session(const std::string& fixture, size_t slice) {
  const auto bytes = read_fixture(fixture);
  EXPECT_GT(bytes.size(), kHandshakeBytes);
  ServerConnection c;
  Seen seen;
  std::mt19937 rng(7);
  for (size_t pos = kHandshakeBytes; pos < bytes.size();) {
    const size_t n = std::min(bytes.size() - pos, slice ? slice : size_t(1 + rng() % 3000));
    c.feed(std::span(bytes).subspan(pos, n));
    pos += n;
    for (;;) {
      auto e = c.next();
      EXPECT_TRUE(e) << e.error().message();
      if (!e || !*e) break;
      if (auto* p = std::get_if<PublishRequest>(&**e)) {
        seen.publishes.push_back(*p);
        c.accept_publish(*p);
      } else if (auto* p = std::get_if<PlayRequest>(&**e)) {
        seen.plays.push_back(*p);
      } else if (auto* m = std::get_if<MediaMessage>(&**e)) {
        if (m->message.type() == MessageType::audio) ++seen.audio;
        if (m->message.type() == MessageType::video) {
          ++seen.video;
          seen.video_timestamps.push_back(m->message.header.timestamp);
        }
        if (m->message.type() == MessageType::data_amf0) ++seen.data;
      } else {
        ++seen.stops;
      }
    }
  }
  return seen;
}

TEST(RtmpServerConnection, FfmpegPublishInAnySlicesGivesTheSameMessages) {
  const Seen whole = run_session("ffmpeg-publish.c2s.bin", 1 << 20);
  ASSERT_EQ(whole.publishes.size(), 1u);
  EXPECT_EQ(whole.publishes[0].app, "live");
  EXPECT_EQ(whole.publishes[0].key(), "live/fixture");
  EXPECT_EQ(whole.data, 1u) << "@setDataFrame onMetaData";
  EXPECT_GT(whole.video, 30u) << "about 3 s at 15 fps";
  EXPECT_GT(whole.audio, 50u);
  EXPECT_GE(whole.stops, 1u) << "FCUnpublish / deleteStream at the end";
  EXPECT_TRUE(std::is_sorted(whole.video_timestamps.begin(), whole.video_timestamps.end()));

  for (size_t slice : {size_t(1), size_t(0), size_t(127), size_t(4096)}) {
    const Seen s = run_session("ffmpeg-publish.c2s.bin", slice);
    EXPECT_EQ(s.video, whole.video) << "slice " << slice;
    EXPECT_EQ(s.audio, whole.audio) << "slice " << slice;
    EXPECT_EQ(s.video_timestamps, whole.video_timestamps) << "slice " << slice;
  }
}

TEST(RtmpServerConnection, LibrtmpPublishIsUnderstood) {
  const Seen s = run_session("librtmp-publish.c2s.bin", 0);
  ASSERT_EQ(s.publishes.size(), 1u);
  EXPECT_EQ(s.publishes[0].key(), "live/fixture2");
  EXPECT_GT(s.video, 30u);
  EXPECT_GT(s.audio, 30u);
}

TEST(RtmpServerConnection, PlayersAskToPlay) {
  for (const char* f : {"rtmpdump-play.c2s.bin", "ffmpeg-play.c2s.bin"}) {
    const Seen s = run_session(f, 0);
    ASSERT_EQ(s.plays.size(), 1u) << f;
    EXPECT_EQ(s.plays[0].key(), "live/fixture3") << f;
    EXPECT_EQ(s.video, 0u);
  }
}

TEST(RtmpServerConnection, ConnectIsAnsweredWithWindowChunkSizeAndResult) {
  const auto bytes = read_fixture("ffmpeg-publish.c2s.bin");
  ServerConnection c({.chunk_size = 4096});
  c.feed(std::span(bytes).subspan(kHandshakeBytes, 300));
  while (auto e = c.next()) {
    if (!*e) break;
  }
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.app(), "live");
  EXPECT_EQ(c.send_chunk_size(), 4096u);
  // Read our own answer back with a client-side chunk reader.
  ChunkReader reader;
  reader.feed(c.output());
  std::vector<MessageType> types;
  while (auto m = reader.next()) {
    if (!*m) break;
    types.push_back((*m)->type());
  }
  ASSERT_GE(types.size(), 4u);
  EXPECT_EQ(types[0], MessageType::window_ack_size);
  EXPECT_EQ(types[1], MessageType::set_peer_bandwidth);
  EXPECT_EQ(types[2], MessageType::set_chunk_size);
  EXPECT_EQ(types[3], MessageType::command_amf0);
  EXPECT_EQ(reader.chunk_size(), 4096u) << "later answers use the announced chunk size";
}

TEST(RtmpServerConnection, UnknownCommandIsAnError) {
  const auto bytes = read_fixture("ffmpeg-publish.c2s.bin");
  ServerConnection c;
  c.feed(std::span(bytes).subspan(kHandshakeBytes));
  while (auto e = c.next())
    if (!*e) break;
  // A command "bogus" with transaction 2 and a null, on a fresh chunk stream.
  const std::vector<uint8_t> msg = {0x09, 0, 0, 0, 0, 0, 18, 20, 0, 0, 0, 0,
                                    0x02, 0, 5, 'b', 'o', 'g', 'u', 's', 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x05};
  c.feed(msg);
  auto e = c.next();
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("bogus"), std::string::npos) << e.error().message();
}

}  // namespace
}  // namespace relaycast::rtmp
