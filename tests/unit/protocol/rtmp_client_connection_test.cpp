#include "protocol/rtmp/client_connection.hpp"

#include <gtest/gtest.h>

#include <random>

#include "fixture.hpp"
#include "format/flv.hpp"
#include "protocol/rtmp/chunk_writer.hpp"
#include "protocol/rtmp/control_messages.hpp"
#include "protocol/rtmp/handshake.hpp"
#include "protocol/rtmp/server_connection.hpp"

namespace relaycast::rtmp {
namespace {

using relaycast::test::kHandshakeBytes;
using relaycast::test::read_rtmp_fixture;

ClientConnectionConfig config_for(std::string stream) {
  return {.app = "live", .tc_url = "rtmp://127.0.0.1:1935/live", .stream = std::move(stream), .chunk_size = 4096};
}

struct ClientSeen {
  size_t started = 0, audio = 0, video = 0, data = 0;
  std::vector<uint32_t> video_timestamps;
  std::optional<Error> error;
};

// Feeds `bytes` to the client in slices of `slice` (0: random) and collects what comes out.
ClientSeen feed_client(ClientConnection& c, std::span<const uint8_t> bytes, size_t slice) {
  ClientSeen seen;
  std::mt19937 rng(11);
  for (size_t pos = 0; pos < bytes.size() && !seen.error;) {
    const size_t n = std::min(bytes.size() - pos, slice ? slice : size_t(1 + rng() % 3000));
    c.feed(bytes.subspan(pos, n));
    pos += n;
    for (;;) {
      auto e = c.next();
      if (!e) {
        seen.error = e.error();
        break;
      }
      if (!*e) break;
      if (std::holds_alternative<StreamStarted>(**e)) {
        ++seen.started;
      } else {
        const Message& m = std::get<MediaMessage>(**e).message;
        if (m.type() == MessageType::audio) ++seen.audio;
        if (m.type() == MessageType::video) {
          ++seen.video;
          seen.video_timestamps.push_back(m.header.timestamp);
        }
        if (m.type() == MessageType::data_amf0) ++seen.data;
      }
    }
  }
  return seen;
}

std::vector<amf0::Value> decode_commands(const std::vector<uint8_t>& bytes, std::vector<std::string>* names) {
  ChunkReader reader;
  reader.feed(bytes);
  std::vector<amf0::Value> all;
  for (;;) {
    auto m = reader.next();
    EXPECT_TRUE(m) << m.error().message();
    if (!m || !*m) break;
    if ((*m)->type() != MessageType::command_amf0) continue;
    auto values = amf0::decode_all((*m)->payload.span());
    EXPECT_TRUE(values);
    if (names && values && !values->empty()) names->push_back(std::string((*values)[0].as_string()));
    if (values) all.insert(all.end(), values->begin(), values->end());
  }
  return all;
}

// nginx-rtmp's answers to ffmpeg playing, recorded: our client (which numbers its
// transactions as ffmpeg does) must get through them to Play.Start and every frame.
TEST(RtmpClientConnection, PlaysThroughRecordedNginxAnswersInAnySlices) {
  const auto bytes = read_rtmp_fixture("ffmpeg-play.s2c.bin");
  ASSERT_GT(bytes.size(), kHandshakeBytes);
  const auto chunks = std::span(bytes).subspan(kHandshakeBytes);
  std::optional<ClientSeen> whole;
  for (size_t slice : {size_t(1) << 20, size_t(1), size_t(7), size_t(0)}) {
    ClientConnection c(ClientRole::play, config_for("fixture3"));
    c.start();
    const auto seen = feed_client(c, chunks, slice);
    // The recording ends with the publisher leaving: nginx-rtmp sends StreamEOF.
    ASSERT_TRUE(seen.error);
    EXPECT_EQ(seen.error->code(), StatusErrc::stream_ended) << seen.error->message();
    EXPECT_EQ(seen.started, 1u);
    EXPECT_TRUE(c.started());
    EXPECT_EQ(c.stream_id(), 1u);
    EXPECT_EQ(c.server_version(), "FMS/3,0,1,123");
    EXPECT_GT(seen.video, 30u);
    EXPECT_GT(seen.audio, 30u);
    EXPECT_EQ(seen.data, 1u) << "onMetaData only, not |RtmpSampleAccess";
    EXPECT_TRUE(std::is_sorted(seen.video_timestamps.begin(), seen.video_timestamps.end()));
    if (whole) {
      EXPECT_EQ(seen.video_timestamps, whole->video_timestamps) << "slice " << slice;
      EXPECT_EQ(seen.audio, whole->audio) << "slice " << slice;
    } else {
      whole = seen;
    }
  }
}

TEST(RtmpClientConnection, PublishesThroughRecordedNginxAnswers) {
  const auto bytes = read_rtmp_fixture("ffmpeg-publish.s2c.bin");
  ClientConnection c(ClientRole::publish, config_for("fixture"));
  c.start();
  const auto seen = feed_client(c, std::span(bytes).subspan(kHandshakeBytes), 0);
  EXPECT_FALSE(seen.error) << seen.error->message();
  EXPECT_EQ(seen.started, 1u);
  EXPECT_EQ(c.stream_id(), 1u);
  std::vector<std::string> names;
  const auto values = decode_commands(c.output(), &names);
  EXPECT_EQ(names, (std::vector<std::string>{"connect", "releaseStream", "FCPublish", "createStream", "publish"}));
}

TEST(RtmpClientConnection, ConnectCarriesAppTcUrlAndFlashVersion) {
  ClientConnection c(ClientRole::play, config_for("cam"));
  c.start();
  std::vector<std::string> names;
  const auto values = decode_commands(c.output(), &names);
  ASSERT_EQ(names, std::vector<std::string>{"connect"});
  ASSERT_GE(values.size(), 3u);
  EXPECT_EQ(values[2].find("app")->as_string(), "live");
  EXPECT_EQ(values[2].find("tcUrl")->as_string(), "rtmp://127.0.0.1:1935/live");
  EXPECT_FALSE(values[2].find("flashVer")->as_string().empty());
}

// A client and our own server side, talking through their byte queues.
struct Loop {
  explicit Loop(ClientRole role, std::string stream = "cam") : client(role, config_for(std::move(stream))) {}

  // Moves bytes both ways until neither side has anything to say; server events are
  // handed to `on_server`, client events collected.
  template <class OnServer>
  ClientSeen run(OnServer on_server) {
    ClientSeen seen;
    for (int round = 0; round < 20; ++round) {
      bool moved = false;
      if (!client.output().empty()) {
        std::vector<uint8_t> bytes;
        bytes.swap(client.output());
        server.feed(bytes);
        moved = true;
      }
      for (;;) {
        auto e = server.next();
        EXPECT_TRUE(e) << e.error().message();
        if (!e || !*e) break;
        on_server(**e);
      }
      if (!server.output().empty()) {
        std::vector<uint8_t> bytes;
        bytes.swap(server.output());
        const auto part = feed_client(client, bytes, 0);
        seen.started += part.started;
        seen.audio += part.audio;
        seen.video += part.video;
        seen.data += part.data;
        if (part.error) seen.error = part.error;
        moved = true;
      }
      if (!moved || seen.error) break;
    }
    return seen;
  }

  ClientConnection client;
  ServerConnection server;
};

TEST(RtmpClientConnection, PlayAgainstOurServerSide) {
  Loop loop(ClientRole::play);
  loop.client.start();
  std::optional<PlayRequest> asked;
  auto seen = loop.run([&](ServerEvent& e) {
    if (auto* p = std::get_if<PlayRequest>(&e)) {
      asked = *p;
      loop.server.accept_play(*p);
    }
  });
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->key(), "live/cam");
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.started, 1u);
  EXPECT_EQ(seen.data, 0u) << "|RtmpSampleAccess is not media";

  // Media the server sends now reaches the client as events.
  MediaPacket packet{.kind = TrackKind::video, .codec = Codec::h264, .dts = ms_to_ticks(40), .pts = ms_to_ticks(40),
                     .keyframe = true, .payload = Buffer::copy_of(std::string_view("\0\0\0\1e", 5))};
  uint8_t prefix[flv::kMaxBodyPrefix];
  const size_t n = flv::body_prefix(packet, prefix);
  std::vector<Buffer> pieces;
  write_shared_chunks({.chunk_stream = kVideoChunkStream, .timestamp = 40, .type = 9, .stream_id = 1},
                      std::span(prefix, n), packet.payload, loop.server.send_chunk_size(), pieces);
  std::vector<uint8_t> wire;
  for (const auto& p : pieces) wire.insert(wire.end(), p.data(), p.data() + p.size());
  const auto media = feed_client(loop.client, wire, 0);
  EXPECT_EQ(media.video, 1u);
  EXPECT_EQ(media.video_timestamps, std::vector<uint32_t>{40});

  // The end of the stream is an error the relay can tell from a broken connection.
  loop.server.end_play("live/cam");
  std::vector<uint8_t> end;
  end.swap(loop.server.output());
  const auto ended = feed_client(loop.client, end, 0);
  ASSERT_TRUE(ended.error);
  EXPECT_EQ(ended.error->code(), StatusErrc::stream_ended);
}

TEST(RtmpClientConnection, PublishAgainstOurServerSideCarriesMediaAndMetadata) {
  Loop loop(ClientRole::publish);
  loop.client.start();
  std::vector<Message> received;
  auto seen = loop.run([&](ServerEvent& e) {
    if (auto* p = std::get_if<PublishRequest>(&e)) loop.server.accept_publish(*p);
    if (auto* m = std::get_if<MediaMessage>(&e)) received.push_back(m->message);
  });
  EXPECT_FALSE(seen.error);
  ASSERT_TRUE(loop.client.started());

  std::vector<uint8_t> meta_body;
  const amf0::Value meta[] = {amf0::Value("onMetaData"), amf0::Value::ecma_array({{"width", 640.0}})};
  amf0::encode_all(meta, meta_body);
  const MediaPacket packets[] = {
      {.kind = TrackKind::data, .codec = Codec::script, .payload = Buffer::copy_of(meta_body)},
      {.kind = TrackKind::audio, .codec = Codec::aac, .dts = ms_to_ticks(70000), .pts = ms_to_ticks(70000),
       .keyframe = true, .payload = Buffer::copy_of(std::string_view("\x21\x10\x04", 3))},
  };
  std::vector<Buffer> pieces;
  for (const auto& p : packets) loop.client.write_media(p, pieces);
  std::vector<uint8_t> wire;
  for (const auto& p : pieces) wire.insert(wire.end(), p.data(), p.data() + p.size());
  loop.server.feed(wire);
  for (;;) {
    auto e = loop.server.next();
    ASSERT_TRUE(e) << e.error().message();
    if (!*e) break;
    if (auto* m = std::get_if<MediaMessage>(&**e)) received.push_back(m->message);
  }
  ASSERT_EQ(received.size(), 2u);
  // The server strips @setDataFrame, as it does for ffmpeg and OBS.
  auto data = flv::body_to_packet(received[0].header.type, received[0].header.timestamp, received[0].payload);
  ASSERT_TRUE(data) << data.error().message();
  EXPECT_EQ(data->kind, TrackKind::data);
  auto decoded = amf0::decode_all(data->payload.span());
  ASSERT_TRUE(decoded);
  EXPECT_EQ((*decoded)[0].as_string(), "onMetaData");
  auto audio = flv::body_to_packet(received[1].header.type, received[1].header.timestamp, received[1].payload);
  ASSERT_TRUE(audio) << audio.error().message();
  EXPECT_EQ(audio->codec, Codec::aac);
  EXPECT_EQ(received[1].header.timestamp, 70000u);
  EXPECT_EQ(audio->payload.size(), 3u);
}

TEST(RtmpClientConnection, RefusedPublishIsATypedError) {
  Loop loop(ClientRole::publish);
  loop.client.start();
  auto seen = loop.run([&](ServerEvent& e) {
    if (std::holds_alternative<PublishRequest>(e))
      loop.server.reject_publish("NetStream.Publish.BadName", "live/cam is already being published");
  });
  ASSERT_TRUE(seen.error);
  EXPECT_EQ(seen.error->code(), StatusErrc::bad_name);
  EXPECT_NE(seen.error->message().find("already being published"), std::string::npos) << seen.error->message();
}

TEST(RtmpClientConnection, PlayOfAMissingStreamIsStreamNotFound) {
  Loop loop(ClientRole::play, "nothing");
  loop.client.start();
  auto seen = loop.run([&](ServerEvent& e) {
    if (std::holds_alternative<PlayRequest>(e))
      loop.server.reject_play("NetStream.Play.StreamNotFound", "live/nothing is not being published");
  });
  ASSERT_TRUE(seen.error);
  EXPECT_EQ(seen.error->code(), StatusErrc::stream_not_found);
  EXPECT_EQ(seen.started, 0u);
}

// --- hostile and broken servers: an error that says what, never a silent wait

std::vector<uint8_t> command(std::initializer_list<amf0::Value> values, uint32_t stream_id = 0) {
  std::vector<amf0::Value> v(values);
  std::vector<uint8_t> body, out;
  amf0::encode_all(v, body);
  write_chunks({.chunk_stream = kCommandChunkStream, .type = 20, .stream_id = stream_id}, body, 128, out);
  return out;
}

TEST(RtmpClientConnection, ConnectErrorIsConnectRejected) {
  ClientConnection c(ClientRole::play, config_for("cam"));
  c.start();
  const auto bytes = command({amf0::Value("_error"), amf0::Value(1.0), amf0::Value::null(),
                              amf0::Value::object({{"level", "error"},
                                                   {"code", "NetConnection.Connect.Rejected"},
                                                   {"description", "no such app"}})});
  const auto seen = feed_client(c, bytes, 0);
  ASSERT_TRUE(seen.error);
  EXPECT_EQ(seen.error->code(), StatusErrc::connect_rejected);
  EXPECT_NE(seen.error->message().find("no such app"), std::string::npos);
}

TEST(RtmpClientConnection, CreateStreamWithoutAnIdIsMalformed) {
  ClientConnection c(ClientRole::play, config_for("cam"));
  c.start();
  auto bytes = command({amf0::Value("_result"), amf0::Value(1.0), amf0::Value::null(),
                        amf0::Value::object({{"code", "NetConnection.Connect.Success"}})});
  const auto more = command({amf0::Value("_result"), amf0::Value(2.0), amf0::Value::null(), amf0::Value("one")});
  bytes.insert(bytes.end(), more.begin(), more.end());
  const auto seen = feed_client(c, bytes, 0);
  ASSERT_TRUE(seen.error);
  EXPECT_TRUE(seen.error->is(Errc::malformed)) << seen.error->message();
}

TEST(RtmpClientConnection, GarbageIsAProtocolErrorNotAWait) {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> garbage(64 * 1024);
    for (auto& b : garbage) b = uint8_t(rng());
    ClientConnection c(ClientRole::play, config_for("cam"));
    c.start();
    const auto seen = feed_client(c, garbage, 0);
    // Random bytes either break the chunk stream or never start the stream: media
    // never comes out of an unstarted play.
    EXPECT_EQ(seen.started, 0u);
    EXPECT_EQ(seen.video + seen.audio, 0u);
  }
}

TEST(RtmpClientConnection, MediaBeforePlayStartIsNotDelivered) {
  ClientConnection c(ClientRole::play, config_for("cam"));
  c.start();
  std::vector<uint8_t> wire;
  const uint8_t body[] = {0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65};
  write_chunks({.chunk_stream = kVideoChunkStream, .timestamp = 0, .type = 9, .stream_id = 1}, body, 128, wire);
  const auto seen = feed_client(c, wire, 0);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.video, 0u);
}

TEST(RtmpClientConnection, AnswersPingsAndAcknowledgesItsWindow) {
  ClientConnection c(ClientRole::play, config_for("cam"));
  c.start();
  c.output().clear();
  std::vector<uint8_t> wire;
  write_window_ack_size(100, 128, wire);
  write_user_control(UserControlEvent::ping_request, 1234, 128, wire);
  // A big onBWDone call to pass the 100-byte window.
  const amf0::Value call[] = {amf0::Value("onBWDone"), amf0::Value(0.0), amf0::Value::null(),
                              amf0::Value(std::string(150, 'x'))};
  std::vector<uint8_t> body;
  amf0::encode_all(call, body);
  write_chunks({.chunk_stream = kCommandChunkStream, .type = 20}, body, 128, wire);
  feed_client(c, wire, 0);
  ChunkReader reader;
  reader.feed(c.output());
  bool pong = false, ack = false;
  for (;;) {
    auto m = reader.next();
    ASSERT_TRUE(m);
    if (!*m) break;
    if ((*m)->type() == MessageType::user_control && (*m)->payload.size() == 6 && (*m)->payload[1] == 7) pong = true;
    if ((*m)->type() == MessageType::acknowledgement) ack = true;
  }
  EXPECT_TRUE(pong);
  EXPECT_TRUE(ack);
}

// The handshake and the connection together, client against our server.
TEST(RtmpClientConnection, HandshakeThenPlayAgainstOurServer) {
  auto random = [](std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(i * 7);
  };
  ClientHandshake client_hs(ClientHandshake::Mode::plain, 0, random);
  ServerHandshake server_hs(0, random);
  auto c0c1 = client_hs.take_output();
  ASSERT_TRUE(server_hs.feed(c0c1));
  auto s012 = server_hs.take_output();
  ASSERT_TRUE(client_hs.feed(s012));
  ASSERT_TRUE(client_hs.done());
  ASSERT_TRUE(server_hs.feed(client_hs.take_output()));
  EXPECT_TRUE(server_hs.done());
  EXPECT_TRUE(client_hs.server_verified());
}

}  // namespace
}  // namespace relaycast::rtmp
