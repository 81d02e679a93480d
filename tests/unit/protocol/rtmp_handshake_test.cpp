#include "protocol/rtmp/handshake.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <tuple>

#include "core/byte_io.hpp"
#include "fixture.hpp"
#include "protocol/rtmp/handshake_digest.hpp"

namespace relaycast::rtmp {
namespace {

RandomFill seeded_random(uint32_t seed) {
  return [engine = std::mt19937(seed)](std::span<uint8_t> out) mutable {
    for (auto& byte : out) byte = uint8_t(engine());
  };
}

// C1, C2, S1 or S2: packet 1 or 2 of what one side sent (after its version byte).
HandshakePacket packet(const std::vector<uint8_t>& sent, int number) {
  return HandshakePacket(sent.data() + 1 + (number - 1) * handshake_packet_size, handshake_packet_size);
}

uint32_t version_field(HandshakePacket p) { return load_u32be(p.data() + 4); }

// How a socket might cut the bytes.
enum class Slicing { one_byte, random_sizes, all_at_once };

std::string slicing_name(Slicing slicing) {
  switch (slicing) {
    case Slicing::one_byte: return "OneByte";
    case Slicing::random_sizes: return "RandomSizes";
    case Slicing::all_at_once: return "AllAtOnce";
  }
  return "";
}

struct Fed {
  size_t taken = 0;
  std::vector<uint8_t> output;  // everything the handshake produced meanwhile
};

// Feeds `bytes` in slices until the handshake is done or stops taking them, the way a
// session would, collecting what it gives to send.
template <class Handshake>
Fed feed_sliced(Handshake& handshake, std::span<const uint8_t> bytes, Slicing slicing) {
  Fed fed;
  std::mt19937 sizes(7);
  while (fed.taken < bytes.size() && !handshake.done()) {
    size_t n = bytes.size() - fed.taken;
    if (slicing == Slicing::one_byte) n = 1;
    if (slicing == Slicing::random_sizes) n = std::min(n, size_t(sizes() % 700 + 1));
    auto taken = handshake.feed(bytes.subspan(fed.taken, n));
    EXPECT_TRUE(taken) << taken.error().message();
    if (!taken) break;
    fed.taken += *taken;
    auto out = handshake.take_output();
    fed.output.insert(fed.output.end(), out.begin(), out.end());
    if (*taken < n) break;
  }
  return fed;
}

// ---- The digest functions, against what ffmpeg and nginx-rtmp computed ----

// ffmpeg signs C1 whenever it connects, but checks S1 and S2 and signs C2 only when it
// plays; as a publisher it echoes S1 in C2 whatever S1 is.
TEST(HandshakeDigest, ValidatesTheDigestsOfRecordedFfmpegNginxSessions) {
  for (const std::string session : {"ffmpeg-play", "ffmpeg-publish"}) {
    SCOPED_TRACE(session);
    const auto c2s = test::read_rtmp_fixture(session + ".c2s.bin");
    const auto s2c = test::read_rtmp_fixture(session + ".s2c.bin");
    ASSERT_GE(c2s.size(), handshake_size);
    ASSERT_GE(s2c.size(), handshake_size);

    const auto ffmpeg_c1 = find_digest(packet(c2s, 1), flash_player_key.text);
    ASSERT_TRUE(ffmpeg_c1) << "ffmpeg signs C1 with the Flash Player key";
    EXPECT_EQ(ffmpeg_c1->schema, DigestSchema::block_at_8);
    const auto nginx_s1 = find_digest(packet(s2c, 1), media_server_key.text);
    ASSERT_TRUE(nginx_s1) << "nginx-rtmp signs S1 with the Flash Media Server key";
    EXPECT_TRUE(answer_signed(packet(s2c, 2), media_server_key.full, ffmpeg_c1->digest)) << "nginx-rtmp's S2";

    if (session == "ffmpeg-play") {
      EXPECT_TRUE(answer_signed(packet(c2s, 2), flash_player_key.full, nginx_s1->digest)) << "ffmpeg's C2";
    } else {
      EXPECT_TRUE(std::ranges::equal(packet(c2s, 2), packet(s2c, 1))) << "ffmpeg's C2 echoes S1";
    }

    EXPECT_FALSE(find_digest(packet(c2s, 1), media_server_key.text)) << "a digest only validates with its own key";
    EXPECT_FALSE(answer_signed(packet(s2c, 2), media_server_key.full, nginx_s1->digest));
  }
}

TEST(HandshakeDigest, PlainPacketsHaveNoDigest) {
  const auto c2s = test::read_rtmp_fixture("librtmp-publish.c2s.bin");
  ASSERT_GE(c2s.size(), handshake_size);
  EXPECT_FALSE(find_digest(packet(c2s, 1), flash_player_key.text));
}

TEST(HandshakeDigest, OffsetStaysInsideItsBlock) {
  std::vector<uint8_t> bytes(handshake_packet_size, 0xff);
  const HandshakePacket p(bytes.data(), handshake_packet_size);
  // 4 * 0xff = 1020, and 1020 % 728 = 292.
  EXPECT_EQ(digest_offset(p, DigestSchema::block_at_8), 8u + 4 + 292);
  EXPECT_EQ(digest_offset(p, DigestSchema::block_at_772), 772u + 4 + 292);
  std::ranges::fill(bytes, 0);
  EXPECT_EQ(digest_offset(p, DigestSchema::block_at_8), 12u);
  EXPECT_EQ(digest_offset(p, DigestSchema::block_at_772), 776u);
}

TEST(HandshakeDigest, FindsWhatItWroteInEitherSchema) {
  auto random = seeded_random(3);
  for (auto schema : {DigestSchema::block_at_8, DigestSchema::block_at_772}) {
    std::vector<uint8_t> bytes(handshake_packet_size);
    random(bytes);
    const MutableHandshakePacket p(bytes.data(), handshake_packet_size);
    const Digest written = write_digest(p, schema, flash_player_key.text);
    const auto found = find_digest(p, flash_player_key.text);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->schema, schema);
    EXPECT_EQ(found->digest, written);
  }
}

// ---- ServerHandshake on recorded clients ----

struct RecordedClient {
  const char* session;
  bool signs_c1;
};

class ServerHandshakeOnRecordedClient : public testing::TestWithParam<std::tuple<RecordedClient, Slicing>> {};

TEST_P(ServerHandshakeOnRecordedClient, AnswersAndTakesExactlyTheHandshake) {
  const auto [client, slicing] = GetParam();
  const auto c2s = test::read_rtmp_fixture(std::string(client.session) + ".c2s.bin");
  ASSERT_GT(c2s.size(), handshake_size);

  ServerHandshake server(0x01020304, seeded_random(1));
  const Fed fed = feed_sliced(server, c2s, slicing);  // the whole session, chunk stream included
  EXPECT_TRUE(server.done());
  EXPECT_EQ(fed.taken, handshake_size) << "the bytes after C2 are the chunk stream's";
  ASSERT_EQ(fed.output.size(), handshake_size);
  auto more = server.feed(std::span(c2s).subspan(fed.taken));
  ASSERT_TRUE(more);
  EXPECT_EQ(*more, 0u) << "a finished handshake takes nothing more";

  EXPECT_EQ(fed.output[0], rtmp_version);
  const HandshakePacket c1 = packet(c2s, 1), s1 = packet(fed.output, 1), s2 = packet(fed.output, 2);
  EXPECT_EQ(load_u32be(s1.data()), 0x01020304u) << "S1's time is the epoch we were given";
  EXPECT_EQ(server.signed_handshake(), client.signs_c1);
  if (client.signs_c1) {
    const auto client_digest = find_digest(c1, flash_player_key.text);
    ASSERT_TRUE(client_digest);
    const auto our_digest = find_digest(s1, media_server_key.text);
    ASSERT_TRUE(our_digest) << "S1 must validate with the Flash Media Server key";
    EXPECT_EQ(our_digest->schema, client_digest->schema);
    EXPECT_NE(version_field(s1), 0u) << "a signed S1 carries a version";
    EXPECT_TRUE(answer_signed(s2, media_server_key.full, client_digest->digest));
  } else {
    EXPECT_EQ(version_field(s1), 0u) << "RTMP 5.2.3: zero";
    EXPECT_TRUE(std::ranges::equal(s2, c1)) << "RTMP 5.2.4: S2 echoes C1";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Recorded, ServerHandshakeOnRecordedClient,
    testing::Combine(testing::Values(RecordedClient{"ffmpeg-publish", true}, RecordedClient{"ffmpeg-play", true},
                                     RecordedClient{"librtmp-publish", false}, RecordedClient{"rtmpdump-play", false}),
                     testing::Values(Slicing::one_byte, Slicing::random_sizes, Slicing::all_at_once)),
    [](const auto& info) {
      std::string name = std::get<0>(info.param).session;
      std::ranges::replace(name, '-', '_');
      return name + "_" + slicing_name(std::get<1>(info.param));
    });

// ---- ServerHandshake on hostile or odd input ----

TEST(ServerHandshake, RefusesAByteThatIsNotAnRtmpVersion) {
  ServerHandshake server(0, seeded_random(1));
  const std::vector<uint8_t> http = {'G', 'E', 'T', ' ', '/'};
  auto taken = server.feed(http);
  ASSERT_FALSE(taken);
  EXPECT_TRUE(taken.error().is(Errc::unsupported));
  EXPECT_NE(taken.error().message().find("0x47"), std::string::npos) << taken.error().message();

  const std::vector<uint8_t> ff = {0xff};
  ServerHandshake other(0, seeded_random(1));
  taken = other.feed(ff);
  ASSERT_FALSE(taken);
  EXPECT_TRUE(taken.error().is(Errc::unsupported));
  EXPECT_NE(taken.error().message().find("0xff"), std::string::npos) << taken.error().message();
  EXPECT_TRUE(other.take_output().empty());
  EXPECT_FALSE(other.done());
  EXPECT_FALSE(other.feed(ff)) << "a failed handshake stays failed";
}

TEST(ServerHandshake, RefusesOtherRtmpVersionsNamingThem) {
  for (uint8_t version : {0, 4, 6, 31}) {
    ServerHandshake server(0, seeded_random(1));
    const std::vector<uint8_t> c0 = {version};
    auto taken = server.feed(c0);
    ASSERT_FALSE(taken) << int(version);
    EXPECT_TRUE(taken.error().is(Errc::unsupported));
    EXPECT_NE(taken.error().message().find("version " + std::to_string(version)), std::string::npos)
        << taken.error().message();
    if (version == 6) {
      EXPECT_NE(taken.error().message().find("RTMPE"), std::string::npos);
    }
  }
}

TEST(ServerHandshake, TruncatedInputIsNeverDone) {
  const auto c2s = test::read_rtmp_fixture("librtmp-publish.c2s.bin");
  ASSERT_GT(c2s.size(), handshake_size);

  ServerHandshake server(0, seeded_random(1));
  Fed fed = feed_sliced(server, std::span(c2s).first(1000), Slicing::one_byte);
  EXPECT_EQ(fed.taken, 1000u);
  EXPECT_TRUE(fed.output.empty()) << "nothing to answer before the whole C1";
  EXPECT_FALSE(server.done());

  fed = feed_sliced(server, std::span(c2s).subspan(1000, handshake_size - 1 - 1000), Slicing::random_sizes);
  EXPECT_EQ(fed.output.size(), handshake_size) << "S0 S1 S2 once C1 is in";
  EXPECT_FALSE(server.done()) << "one byte of C2 is missing";

  fed = feed_sliced(server, std::span(c2s).subspan(handshake_size - 1), Slicing::all_at_once);
  EXPECT_EQ(fed.taken, 1u);
  EXPECT_TRUE(server.done());
}

TEST(ServerHandshake, C1WithAVersionButNoDigestGetsThePlainHandshake) {
  std::vector<uint8_t> c0c1(1 + handshake_packet_size);
  seeded_random(9)(c0c1);
  c0c1[0] = rtmp_version;
  store_u32be(c0c1.data() + 1 + 4, 0x09007c02);

  ServerHandshake server(0, seeded_random(1));
  const Fed fed = feed_sliced(server, c0c1, Slicing::all_at_once);
  ASSERT_EQ(fed.output.size(), handshake_size);
  EXPECT_FALSE(server.signed_handshake());
  EXPECT_EQ(version_field(packet(fed.output, 1)), 0u);
  EXPECT_TRUE(std::ranges::equal(packet(fed.output, 2), packet(c0c1, 1)));
}

TEST(ServerHandshake, C1WithACorruptedDigestGetsThePlainHandshake) {
  auto c2s = test::read_rtmp_fixture("ffmpeg-publish.c2s.bin");
  ASSERT_GT(c2s.size(), handshake_size);
  c2s[1 + 1000] ^= 0x01;  // one bit of the signed bytes

  ServerHandshake server(0, seeded_random(1));
  const Fed fed = feed_sliced(server, c2s, Slicing::all_at_once);
  EXPECT_TRUE(server.done());
  EXPECT_FALSE(server.signed_handshake());
  EXPECT_TRUE(std::ranges::equal(packet(fed.output, 2), packet(c2s, 1)));
}

TEST(ServerHandshake, SignsS1InTheSchemaOfC1) {
  std::vector<uint8_t> c0c1(1 + handshake_packet_size);
  seeded_random(5)(c0c1);
  c0c1[0] = rtmp_version;
  store_u32be(c0c1.data() + 1 + 4, 0x0a000000);
  const MutableHandshakePacket c1(c0c1.data() + 1, handshake_packet_size);
  const Digest c1_digest = write_digest(c1, DigestSchema::block_at_772, flash_player_key.text);

  ServerHandshake server(0, seeded_random(1));
  const Fed fed = feed_sliced(server, c0c1, Slicing::random_sizes);
  ASSERT_EQ(fed.output.size(), handshake_size);
  EXPECT_TRUE(server.signed_handshake());
  const auto s1_digest = find_digest(packet(fed.output, 1), media_server_key.text);
  ASSERT_TRUE(s1_digest);
  EXPECT_EQ(s1_digest->schema, DigestSchema::block_at_772);
  EXPECT_TRUE(answer_signed(packet(fed.output, 2), media_server_key.full, c1_digest));
}

TEST(ServerHandshake, SameSeedSameAnswer) {
  const auto c2s = test::read_rtmp_fixture("ffmpeg-publish.c2s.bin");
  ServerHandshake a(7, seeded_random(42)), b(7, seeded_random(42));
  EXPECT_EQ(feed_sliced(a, c2s, Slicing::one_byte).output, feed_sliced(b, c2s, Slicing::all_at_once).output);
}

// ---- ClientHandshake ----

TEST(ClientHandshake, SendsC0AndC1BeforeAnythingIsFed) {
  ClientHandshake plain(ClientHandshake::Mode::plain, 0x0a0b0c0d, seeded_random(1));
  const auto c0c1 = plain.take_output();
  ASSERT_EQ(c0c1.size(), 1 + handshake_packet_size);
  EXPECT_EQ(c0c1[0], rtmp_version);
  EXPECT_EQ(load_u32be(c0c1.data() + 1), 0x0a0b0c0du);
  EXPECT_EQ(version_field(packet(c0c1, 1)), 0u);
  EXPECT_TRUE(plain.take_output().empty());

  ClientHandshake digest(ClientHandshake::Mode::digest, 0, seeded_random(1));
  const auto signed_c0c1 = digest.take_output();
  ASSERT_EQ(signed_c0c1.size(), 1 + handshake_packet_size);
  EXPECT_NE(version_field(packet(signed_c0c1, 1)), 0u);
  EXPECT_TRUE(find_digest(packet(signed_c0c1, 1), flash_player_key.text));
}

class ClientHandshakeOnRecordedServer : public testing::TestWithParam<Slicing> {};

TEST_P(ClientHandshakeOnRecordedServer, EchoesAPlainS1) {
  const auto s2c = test::read_rtmp_fixture("rtmpdump-play.s2c.bin");
  ASSERT_GT(s2c.size(), handshake_size);
  ClientHandshake client(ClientHandshake::Mode::plain, 0, seeded_random(1));
  client.take_output();

  const Fed fed = feed_sliced(client, s2c, GetParam());
  EXPECT_TRUE(client.done());
  EXPECT_EQ(fed.taken, handshake_size);
  ASSERT_EQ(fed.output.size(), handshake_packet_size);
  EXPECT_TRUE(std::ranges::equal(fed.output, packet(s2c, 1))) << "C2 echoes S1";
  EXPECT_FALSE(client.server_verified()) << "nginx echoed rtmpdump's C1, not ours";
}

TEST_P(ClientHandshakeOnRecordedServer, SignsC2ForASignedS1) {
  const auto s2c = test::read_rtmp_fixture("ffmpeg-publish.s2c.bin");
  ASSERT_GT(s2c.size(), handshake_size);
  ClientHandshake client(ClientHandshake::Mode::digest, 0, seeded_random(1));
  client.take_output();

  const Fed fed = feed_sliced(client, s2c, GetParam());
  EXPECT_TRUE(client.done());
  EXPECT_EQ(fed.taken, handshake_size);
  ASSERT_EQ(fed.output.size(), handshake_packet_size);
  const auto s1_digest = find_digest(packet(s2c, 1), media_server_key.text);
  ASSERT_TRUE(s1_digest);
  const HandshakePacket c2(fed.output.data(), handshake_packet_size);
  EXPECT_TRUE(answer_signed(c2, flash_player_key.full, s1_digest->digest)) << "C2 signed with S1's digest";
  EXPECT_FALSE(client.server_verified()) << "nginx signed ffmpeg's C1, not ours";
}

INSTANTIATE_TEST_SUITE_P(Recorded, ClientHandshakeOnRecordedServer,
                         testing::Values(Slicing::one_byte, Slicing::random_sizes, Slicing::all_at_once),
                         [](const auto& info) { return slicing_name(info.param); });

TEST(ClientHandshake, RefusesAnotherServerVersion) {
  ClientHandshake client(ClientHandshake::Mode::plain, 0, seeded_random(1));
  const std::vector<uint8_t> s0 = {4};
  auto taken = client.feed(s0);
  ASSERT_FALSE(taken);
  EXPECT_TRUE(taken.error().is(Errc::unsupported));
  EXPECT_NE(taken.error().message().find("server asked for RTMP version 4"), std::string::npos)
      << taken.error().message();
}

// ---- Both sides against each other ----

// Runs the handshake between `client` and `server`, each fed the other's output in
// `slicing` slices; once the client is done, `chunk_stream` follows its C2 as it would
// on the wire. Returns what the server left untaken.
std::vector<uint8_t> run(ClientHandshake& client, ServerHandshake& server, Slicing slicing,
                         const std::vector<uint8_t>& chunk_stream) {
  std::vector<uint8_t> to_server = client.take_output(), to_client;
  bool chunk_stream_sent = false;
  for (int round = 0; round < 4 && !(client.done() && server.done()); ++round) {
    const Fed s = feed_sliced(server, to_server, slicing);
    to_server.erase(to_server.begin(), to_server.begin() + s.taken);
    to_client.insert(to_client.end(), s.output.begin(), s.output.end());

    const Fed c = feed_sliced(client, to_client, slicing);
    to_client.erase(to_client.begin(), to_client.begin() + c.taken);
    to_server.insert(to_server.end(), c.output.begin(), c.output.end());
    if (client.done() && !chunk_stream_sent) {
      to_server.insert(to_server.end(), chunk_stream.begin(), chunk_stream.end());
      chunk_stream_sent = true;
    }
  }
  if (!server.done()) feed_sliced(server, to_server, slicing);
  EXPECT_TRUE(to_client.empty());
  return to_server;
}

class HandshakeEndToEnd : public testing::TestWithParam<std::tuple<ClientHandshake::Mode, Slicing>> {};

TEST_P(HandshakeEndToEnd, BothSidesFinishAndLeaveTheChunkStream) {
  const auto [mode, slicing] = GetParam();
  ClientHandshake client(mode, 100, seeded_random(1));
  ServerHandshake server(200, seeded_random(2));
  const std::vector<uint8_t> chunk_stream = {0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01};

  const auto left = run(client, server, slicing, chunk_stream);
  EXPECT_TRUE(client.done());
  EXPECT_TRUE(server.done());
  EXPECT_EQ(left, chunk_stream);
  EXPECT_EQ(server.signed_handshake(), mode == ClientHandshake::Mode::digest);
  EXPECT_TRUE(client.server_verified());
}

INSTANTIATE_TEST_SUITE_P(
    Modes, HandshakeEndToEnd,
    testing::Combine(testing::Values(ClientHandshake::Mode::plain, ClientHandshake::Mode::digest),
                     testing::Values(Slicing::one_byte, Slicing::random_sizes, Slicing::all_at_once)),
    [](const auto& info) {
      const bool digest = std::get<0>(info.param) == ClientHandshake::Mode::digest;
      return std::string(digest ? "Digest" : "Plain") + "_" + slicing_name(std::get<1>(info.param));
    });

}  // namespace
}  // namespace relaycast::rtmp
