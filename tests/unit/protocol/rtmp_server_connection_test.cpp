#include "protocol/rtmp/server_connection.hpp"

#include <gtest/gtest.h>

#include <random>

#include "fixture.hpp"
#include "protocol/rtmp/chunk_reader.hpp"
#include "protocol/rtmp/chunk_writer.hpp"

namespace relaycast::rtmp {
namespace {

using relaycast::test::kHandshakeBytes;
using relaycast::test::read_rtmp_fixture;

struct Seen {
  std::vector<PublishRequest> publishes;
  std::vector<PlayRequest> plays;
  size_t audio = 0, video = 0, data = 0, stops = 0;
  std::vector<uint32_t> video_timestamps;
};

// Feeds the chunk stream part of a recorded session in slices of `slice` bytes
// (0: random sizes) and collects the events.
Seen run_session(const std::string& fixture, size_t slice) {
  const auto bytes = read_rtmp_fixture(fixture);
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
  const auto bytes = read_rtmp_fixture("ffmpeg-publish.c2s.bin");
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
  const auto bytes = read_rtmp_fixture("ffmpeg-publish.c2s.bin");
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

// A connect command as a player sends it, on the command chunk stream.
std::vector<uint8_t> connect_command(std::string app) {
  const amf0::Value values[] = {amf0::Value("connect"), amf0::Value(1.0),
                                amf0::Value::object({{"app", app}, {"tcUrl", "rtmp://origin/" + app}})};
  std::vector<uint8_t> body, out;
  amf0::encode_all(values, body);
  write_chunks({.type = uint8_t(MessageType::command_amf0)}, body, 128, out);
  return out;
}

// What the server wrote back: its AMF0 commands.
std::vector<std::vector<amf0::Value>> commands_in(std::vector<uint8_t>& output) {
  ChunkReader reader;
  reader.feed(output);
  std::vector<std::vector<amf0::Value>> out;
  while (auto m = reader.next()) {
    if (!*m) break;
    if ((*m)->type() == MessageType::command_amf0) out.push_back(*amf0::decode_all(std::span((*m)->payload.data(), (*m)->payload.size())));
  }
  return out;
}

TEST(RtmpServerConnection, ConnectToTheRedirectAppIsAskedAndAnsweredWithExRedirect) {
  ServerConnection c({.redirect_app = "balance"});
  c.feed(connect_command("balance/live"));
  auto e = c.next();
  ASSERT_TRUE(e && *e);
  const auto* redirect = std::get_if<ConnectRedirect>(&**e);
  ASSERT_NE(redirect, nullptr);
  EXPECT_EQ(redirect->app, "live");
  EXPECT_FALSE(c.connected()) << "a redirected client is not connected";
  c.redirect_connect(*redirect, "rtmp://edge1:1935/live", "Redirected.");
  const auto commands = commands_in(c.output());
  ASSERT_EQ(commands.size(), 1u);
  const auto& v = commands[0];
  EXPECT_EQ(v[0].as_string(), "_error");
  EXPECT_EQ(v[1].as_number(), 1.0) << "the connect's transaction";
  EXPECT_EQ(v[3].find("code")->as_string(), "NetConnection.Connect.Rejected");
  EXPECT_EQ(v[3].find("ex")->find("code")->as_number(), 302.0);
  EXPECT_EQ(v[3].find("ex")->find("redirect")->as_string(), "rtmp://edge1:1935/live");
}

TEST(RtmpServerConnection, OtherAppsConnectAsUsualWithARedirectApp) {
  ServerConnection c({.redirect_app = "balance"});
  c.feed(connect_command("balanced/live"));
  auto e = c.next();
  ASSERT_TRUE(e);
  EXPECT_FALSE(*e);
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.app(), "balanced/live");
}

}  // namespace
}  // namespace relaycast::rtmp
