#include "protocol/rtmp/chunk_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/byte_io.hpp"
#include "fixture.hpp"

namespace relaycast::rtmp {
namespace {

using relaycast::test::kHandshakeBytes;
using relaycast::test::read_rtmp_fixture;

using Bytes = std::vector<uint8_t>;

// ---- Hand-built chunks (RTMP 5.3.1) ---------------------------------------------

// 5.3.1.1: 1, 2 or 3 bytes; `width` forces an encoding (0: the shortest).
void basic_header(Bytes& out, int fmt, uint32_t csid, int width = 0) {
  if (width == 0) width = csid < 64 ? 1 : csid < 320 ? 2 : 3;
  if (width == 1) {
    out.push_back(uint8_t(fmt << 6 | csid));
  } else if (width == 2) {
    out.push_back(uint8_t(fmt << 6));
    out.push_back(uint8_t(csid - 64));
  } else {
    out.push_back(uint8_t(fmt << 6 | 1));
    out.push_back(uint8_t((csid - 64) & 0xff));
    out.push_back(uint8_t((csid - 64) >> 8));
  }
}

// A timestamp field of 24 bits, with the 5.3.1.3 extended timestamp when it does not fit.
void put_ts(ByteWriter& w, uint32_t ts) { w.u24be(ts >= 0xFFFFFF ? 0xFFFFFF : ts); }
void put_ext(ByteWriter& w, uint32_t ts) {
  if (ts >= 0xFFFFFF) w.u32be(ts);
}

struct ChunkOpts {
  int width = 0;
};

void fmt0(Bytes& out, uint32_t csid, uint32_t ts, uint32_t length, uint8_t type, uint32_t msid, ChunkOpts o = {}) {
  basic_header(out, 0, csid, o.width);
  ByteWriter w(out);
  put_ts(w, ts);
  w.u24be(length);
  w.u8(type);
  w.u32le(msid);
  put_ext(w, ts);
}
void fmt1(Bytes& out, uint32_t csid, uint32_t delta, uint32_t length, uint8_t type) {
  basic_header(out, 1, csid);
  ByteWriter w(out);
  put_ts(w, delta);
  w.u24be(length);
  w.u8(type);
  put_ext(w, delta);
}
void fmt2(Bytes& out, uint32_t csid, uint32_t delta) {
  basic_header(out, 2, csid);
  ByteWriter w(out);
  put_ts(w, delta);
  put_ext(w, delta);
}
// `ext` is the extended timestamp a type 3 chunk of an extended-timestamp stream repeats.
void fmt3(Bytes& out, uint32_t csid, std::optional<uint32_t> ext = std::nullopt, int width = 0) {
  basic_header(out, 3, csid, width);
  if (ext) ByteWriter(out).u32be(*ext);
}
void append(Bytes& out, const Bytes& body, size_t from = 0, size_t n = SIZE_MAX) {
  n = std::min(n, body.size() - from);
  out.insert(out.end(), body.begin() + long(from), body.begin() + long(from + n));
}

// A whole message as type 0 then type 3 chunks of `chunk_size`.
void message(Bytes& out, uint32_t csid, uint32_t ts, uint8_t type, uint32_t msid, const Bytes& body,
             uint32_t chunk_size = 128) {
  fmt0(out, csid, ts, uint32_t(body.size()), type, msid);
  size_t pos = 0;
  append(out, body, 0, chunk_size);
  pos = std::min<size_t>(chunk_size, body.size());
  while (pos < body.size()) {
    fmt3(out, csid, ts >= 0xFFFFFF ? std::optional(ts) : std::nullopt);
    append(out, body, pos, chunk_size);
    pos += chunk_size;
  }
}

Bytes u32be_bytes(uint32_t v) {
  Bytes b;
  ByteWriter(b).u32be(v);
  return b;
}

void set_chunk_size(Bytes& out, uint32_t size) {
  message(out, 2, 0, uint8_t(MessageType::set_chunk_size), 0, u32be_bytes(size));
}

struct Drained {
  std::vector<Message> messages;
  std::optional<Error> error;
};

Drained drain(ChunkReader& r) {
  Drained d;
  for (;;) {
    auto m = r.next();
    if (!m) {
      d.error = m.error();
      return d;
    }
    if (!*m) return d;
    d.messages.push_back(std::move(**m));
  }
}

Drained read_all(const Bytes& bytes, ChunkReaderLimits limits = {}) {
  ChunkReader r(limits);
  r.feed(bytes);
  return drain(r);
}

// What a test compares: every header field and the payload.
struct Summary {
  uint32_t csid, ts;
  uint8_t type;
  uint32_t msid;
  Bytes payload;
  bool operator==(const Summary&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Summary& s) {
  return os << "{csid " << s.csid << ", ts " << s.ts << ", type " << int(s.type) << ", msid " << s.msid << ", "
            << s.payload.size() << " bytes}";
}
std::vector<Summary> summarize(const std::vector<Message>& ms) {
  std::vector<Summary> out;
  for (const auto& m : ms)
    out.push_back({m.header.chunk_stream, m.header.timestamp, m.header.type, m.header.stream_id, test::payload_of(m)});
  return out;
}

// Feeds `bytes` in slices whose sizes come from `next_size`, draining after each.
template <class NextSize>
Drained read_in_slices(const Bytes& bytes, NextSize next_size, ChunkReaderLimits limits = {}) {
  ChunkReader r(limits);
  Drained all;
  for (size_t pos = 0; pos < bytes.size();) {
    const size_t n = std::min(bytes.size() - pos, next_size());
    r.feed(std::span(bytes).subspan(pos, n));
    pos += n;
    auto d = drain(r);
    for (auto& m : d.messages) all.messages.push_back(std::move(m));
    if (d.error) {
      all.error = d.error;
      break;
    }
  }
  return all;
}

// ---- Header types -------------------------------------------------------------

TEST(RtmpChunkReader, Type0HeaderGivesEveryField) {
  Bytes in;
  message(in, 5, 123456, 18, 0x01020304, test::pattern(40));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 1u);
  const auto& m = d.messages[0];
  EXPECT_EQ(m.header.chunk_stream, 5u);
  EXPECT_EQ(m.header.timestamp, 123456u);
  EXPECT_EQ(m.header.type, 18);
  EXPECT_EQ(m.header.stream_id, 0x01020304u) << "the message stream id is little-endian on the wire";
  EXPECT_EQ(test::payload_of(m), test::pattern(40));
}

TEST(RtmpChunkReader, MessageLongerThanTheChunkSizeIsReassembledFromType3Chunks) {
  for (size_t size : {127u, 128u, 129u, 256u, 257u, 1000u}) {
    Bytes in;
    message(in, 4, 10, 8, 1, test::pattern(size));
    auto d = read_all(in);
    ASSERT_FALSE(d.error) << d.error->message();
    ASSERT_EQ(d.messages.size(), 1u) << size;
    EXPECT_EQ(test::payload_of(d.messages[0]), test::pattern(size)) << size;
    EXPECT_EQ(d.messages[0].header.timestamp, 10u);
  }
}

TEST(RtmpChunkReader, ZeroLengthMessageIsDelivered) {
  Bytes in;
  fmt0(in, 3, 7, 0, 20, 0);
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_TRUE(d.messages[0].payload.empty());
  EXPECT_EQ(d.messages[0].header.timestamp, 7u);
}

TEST(RtmpChunkReader, Type1AddsTheDeltaAndTakesNewLengthAndTypeButKeepsTheStreamId) {
  Bytes in;
  message(in, 6, 1000, 9, 7, test::pattern(10));
  fmt1(in, 6, 40, 20, 8);
  append(in, test::pattern(20, 9));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].header.timestamp, 1040u);
  EXPECT_EQ(d.messages[1].header.type, 8);
  EXPECT_EQ(d.messages[1].header.stream_id, 7u);
  EXPECT_EQ(test::payload_of(d.messages[1]), test::pattern(20, 9));
}

TEST(RtmpChunkReader, Type2AddsTheDeltaAndKeepsLengthTypeAndStreamId) {
  Bytes in;
  message(in, 6, 1000, 9, 7, test::pattern(10));
  fmt2(in, 6, 33);
  append(in, test::pattern(10, 3));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].header.timestamp, 1033u);
  EXPECT_EQ(d.messages[1].header.type, 9);
  EXPECT_EQ(d.messages[1].header.stream_id, 7u);
  EXPECT_EQ(test::payload_of(d.messages[1]), test::pattern(10, 3));
}

TEST(RtmpChunkReader, Type3StartingAMessageRepeatsTheLastDelta) {
  Bytes in;
  message(in, 6, 100, 9, 1, test::pattern(10));
  fmt2(in, 6, 33);
  append(in, test::pattern(10, 2));
  fmt3(in, 6);
  append(in, test::pattern(10, 3));
  fmt3(in, 6);
  append(in, test::pattern(10, 4));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 4u);
  EXPECT_EQ(d.messages[1].header.timestamp, 133u);
  EXPECT_EQ(d.messages[2].header.timestamp, 166u);
  EXPECT_EQ(d.messages[3].header.timestamp, 199u);
  EXPECT_EQ(test::payload_of(d.messages[3]), test::pattern(10, 4));
}

// RTMP 5.3.1.2.4: "If a Type 3 chunk follows a Type 0 chunk, then the timestamp delta
// for this Type 3 chunk is the same as the timestamp of the Type 0 chunk."
TEST(RtmpChunkReader, Type3AfterType0UsesTheType0TimestampAsDelta) {
  Bytes in;
  message(in, 6, 20, 9, 1, test::pattern(10));
  fmt3(in, 6);
  append(in, test::pattern(10));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].header.timestamp, 40u);
}

TEST(RtmpChunkReader, DeltasWrapModulo2To32) {
  Bytes in;
  message(in, 6, 0xFFFFFFF0u, 9, 1, test::pattern(4));
  fmt2(in, 6, 0x20);
  append(in, test::pattern(4));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].header.timestamp, 0xFFFFFFF0u);
  EXPECT_EQ(d.messages[1].header.timestamp, 0x10u);
}

// ---- Basic header encodings (5.3.1.1) ------------------------------------------

TEST(RtmpChunkReader, ChunkStreamIdsInEveryBasicHeaderForm) {
  struct Case {
    uint32_t csid;
    int width;
  };
  for (Case c : {Case{2, 1}, Case{3, 1}, Case{63, 1}, Case{64, 2}, Case{65, 2}, Case{200, 2}, Case{319, 2},
                 Case{320, 3}, Case{1000, 3}, Case{65599, 3}, Case{64, 3}, Case{100, 3}}) {
    Bytes in;
    const Bytes body = test::pattern(300, uint8_t(c.csid));
    fmt0(in, c.csid, 5, uint32_t(body.size()), 9, 1, {.width = c.width});
    append(in, body, 0, 128);
    fmt3(in, c.csid, std::nullopt, c.width);
    append(in, body, 128, 128);
    fmt3(in, c.csid, std::nullopt, c.width);
    append(in, body, 256);
    auto d = read_all(in);
    ASSERT_FALSE(d.error) << "csid " << c.csid << ": " << d.error->message();
    ASSERT_EQ(d.messages.size(), 1u) << "csid " << c.csid << " in " << c.width << " bytes";
    EXPECT_EQ(d.messages[0].header.chunk_stream, c.csid);
    EXPECT_EQ(test::payload_of(d.messages[0]), body) << "csid " << c.csid;
  }
}

TEST(RtmpChunkReader, TheSameIdInTwoAndThreeByteFormsIsOneChunkStream) {
  Bytes in;
  const Bytes body = test::pattern(200);
  fmt0(in, 100, 5, 200, 9, 1, {.width = 2});
  append(in, body, 0, 128);
  fmt3(in, 100, std::nullopt, 3);
  append(in, body, 128);
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(test::payload_of(d.messages[0]), body);
}

// ---- Extended timestamps (5.3.1.3) ---------------------------------------------

TEST(RtmpChunkReader, ExtendedTimestampOnType0) {
  for (uint32_t ts : {0xFFFFFEu, 0xFFFFFFu, 0x1000000u, 0xFFFFFFFFu}) {
    Bytes in;
    message(in, 4, ts, 8, 1, test::pattern(20));
    auto d = read_all(in);
    ASSERT_FALSE(d.error) << d.error->message();
    ASSERT_EQ(d.messages.size(), 1u) << ts;
    EXPECT_EQ(d.messages[0].header.timestamp, ts);
    EXPECT_EQ(test::payload_of(d.messages[0]), test::pattern(20));
  }
}

TEST(RtmpChunkReader, ExtendedTimestampIsRepeatedOnType3ContinuationChunks) {
  Bytes in;
  const Bytes body = test::pattern(400);
  message(in, 6, 0x12345678, 9, 1, body);  // type 3 chunks carry the 4 bytes again
  message(in, 6, 0x12345700, 9, 1, test::pattern(30, 5));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].header.timestamp, 0x12345678u);
  EXPECT_EQ(test::payload_of(d.messages[0]), body) << "the repeated extended timestamp is not payload";
  EXPECT_EQ(d.messages[1].header.timestamp, 0x12345700u);
  EXPECT_EQ(test::payload_of(d.messages[1]), test::pattern(30, 5));
}

TEST(RtmpChunkReader, ExtendedTimestampDeltasOnType1Type2AndType3) {
  Bytes in;
  message(in, 6, 1000, 9, 1, test::pattern(8));
  fmt1(in, 6, 0x01000000, 8, 9);  // extended delta on type 1
  append(in, test::pattern(8));
  fmt2(in, 6, 0x02000000);  // extended delta on type 2
  append(in, test::pattern(8));
  fmt3(in, 6, 0x02000000);  // a new message: repeats the extended delta and its 4 bytes
  append(in, test::pattern(8, 77));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 4u);
  EXPECT_EQ(d.messages[1].header.timestamp, 1000u + 0x01000000u);
  EXPECT_EQ(d.messages[2].header.timestamp, 1000u + 0x03000000u);
  EXPECT_EQ(d.messages[3].header.timestamp, 1000u + 0x05000000u);
  EXPECT_EQ(test::payload_of(d.messages[3]), test::pattern(8, 77));
}

TEST(RtmpChunkReader, LeavingExtendedTimestampsStopsExpectingTheFourBytes) {
  Bytes in;
  message(in, 6, 0x2000000, 9, 1, test::pattern(8));
  fmt2(in, 6, 40);  // small delta: no extended field any more
  append(in, test::pattern(8));
  fmt3(in, 6);
  append(in, test::pattern(8, 3));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 3u);
  EXPECT_EQ(d.messages[1].header.timestamp, 0x2000000u + 40);
  EXPECT_EQ(d.messages[2].header.timestamp, 0x2000000u + 80);
  EXPECT_EQ(test::payload_of(d.messages[2]), test::pattern(8, 3));
}

// ---- Interleaving --------------------------------------------------------------

TEST(RtmpChunkReader, InterleavedChunkStreamsEachReassembleTheirOwnMessage) {
  const Bytes video = test::pattern(300, 1), audio = test::pattern(200, 2), cmd = test::pattern(50, 3);
  Bytes in;
  fmt0(in, 6, 100, 300, 9, 1);
  append(in, video, 0, 128);
  fmt0(in, 4, 90, 200, 8, 1);
  append(in, audio, 0, 128);
  fmt0(in, 3, 0, 50, 20, 0);  // a whole small message between the chunks of two others
  append(in, cmd);
  fmt3(in, 6);
  append(in, video, 128, 128);
  fmt3(in, 4);
  append(in, audio, 128);
  fmt3(in, 6);
  append(in, video, 256);
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 3u);
  EXPECT_EQ(summarize(d.messages),
            (std::vector<Summary>{{3, 0, 20, 0, cmd}, {4, 90, 8, 1, audio}, {6, 100, 9, 1, video}}))
      << "messages come out in the order they complete";
}

// ---- Protocol control ----------------------------------------------------------

TEST(RtmpChunkReader, SetChunkSizeAppliesToTheChunksAfterIt) {
  Bytes in;
  set_chunk_size(in, 4096);
  const Bytes big = test::pattern(4000);
  fmt0(in, 6, 0, 4000, 9, 1);  // one chunk at the new size
  append(in, big);
  const Bytes bigger = test::pattern(5000, 4);
  message(in, 6, 40, 9, 1, bigger, 4096);
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 3u);
  EXPECT_EQ(d.messages[0].type(), MessageType::set_chunk_size) << "handed to the caller too";
  EXPECT_EQ(test::payload_of(d.messages[1]), big);
  EXPECT_EQ(test::payload_of(d.messages[2]), bigger);
}

TEST(RtmpChunkReader, ChunkSizeReportsTheAppliedValue) {
  ChunkReader r;
  EXPECT_EQ(r.chunk_size(), 128u) << "RTMP 5.4.1 initial chunk size";
  Bytes in;
  set_chunk_size(in, 60000);
  r.feed(in);
  auto d = drain(r);
  ASSERT_FALSE(d.error) << d.error->message();
  EXPECT_EQ(r.chunk_size(), 60000u);
}

TEST(RtmpChunkReader, SetChunkSizeOfZeroIsMalformed) {
  Bytes in;
  set_chunk_size(in, 0);
  auto d = read_all(in);
  ASSERT_TRUE(d.error);
  EXPECT_TRUE(d.error->is(Errc::malformed)) << d.error->message();
}

TEST(RtmpChunkReader, SetChunkSizeOverTheLimitIsTooLarge) {
  Bytes in;
  set_chunk_size(in, 65537);
  auto d = read_all(in, {.max_chunk_size = 65536});
  ASSERT_TRUE(d.error);
  EXPECT_TRUE(d.error->is(Errc::too_large)) << d.error->message();
  EXPECT_NE(d.error->message().find("65537"), std::string::npos) << d.error->message();

  Bytes at_limit;
  set_chunk_size(at_limit, 65536);
  ChunkReader r({.max_chunk_size = 65536});
  r.feed(at_limit);
  auto ok = drain(r);
  EXPECT_FALSE(ok.error) << ok.error->message();
  EXPECT_EQ(r.chunk_size(), 65536u);
}

TEST(RtmpChunkReader, SetChunkSizeShorterThanFourBytesIsRefused) {
  Bytes in;
  message(in, 2, 0, uint8_t(MessageType::set_chunk_size), 0, {0, 0, 1});
  auto d = read_all(in);
  ASSERT_TRUE(d.error);
  EXPECT_TRUE(d.error->is(Errc::truncated)) << d.error->message();
}

TEST(RtmpChunkReader, AbortDropsThePartlyReceivedMessage) {
  Bytes in;
  fmt0(in, 6, 100, 300, 9, 1);
  append(in, test::pattern(300), 0, 128);
  message(in, 2, 0, uint8_t(MessageType::abort), 0, u32be_bytes(6));
  // The chunk stream starts over with a new message; a type 3 chunk would be a
  // continuation if the abort had not happened.
  fmt0(in, 6, 200, 20, 9, 1);
  append(in, test::pattern(20, 8));
  auto d = read_all(in);
  ASSERT_FALSE(d.error) << d.error->message();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].type(), MessageType::abort);
  EXPECT_EQ(d.messages[1].header.timestamp, 200u);
  EXPECT_EQ(test::payload_of(d.messages[1]), test::pattern(20, 8));
}

TEST(RtmpChunkReader, AbortFreesTheOpenMessageSlot) {
  Bytes in;
  fmt0(in, 6, 100, 300, 9, 1);
  append(in, test::pattern(300), 0, 128);
  message(in, 2, 0, uint8_t(MessageType::abort), 0, u32be_bytes(6));
  // Two more partly received messages: three with the aborted one, over the limit.
  for (uint32_t csid : {7u, 8u}) {
    fmt0(in, csid, 100, 300, 9, 1);
    append(in, test::pattern(300), 0, 128);
  }
  auto d = read_all(in, {.max_open_messages = 2});
  EXPECT_FALSE(d.error) << d.error->message();
}

// ---- Limits --------------------------------------------------------------------

TEST(RtmpChunkReader, MessageOverMaxMessageSizeIsRefusedBeforeItsBytesArrive) {
  {
    Bytes in;
    fmt0(in, 6, 0, 1001, 9, 1);  // only the header: the limit is checked at once
    auto d = read_all(in, {.max_message_size = 1000});
    ASSERT_TRUE(d.error);
    EXPECT_TRUE(d.error->is(Errc::too_large)) << d.error->message();
    EXPECT_NE(d.error->message().find("1001"), std::string::npos) << d.error->message();
  }
  {
    Bytes in;
    message(in, 6, 0, 9, 1, test::pattern(1000));
    auto d = read_all(in, {.max_message_size = 1000});
    EXPECT_FALSE(d.error) << d.error->message();
    EXPECT_EQ(d.messages.size(), 1u);
  }
  {
    // A type 1 header may raise the length past the limit too.
    Bytes in;
    message(in, 6, 0, 9, 1, test::pattern(10));
    fmt1(in, 6, 40, 5000, 9);
    auto d = read_all(in, {.max_message_size = 1000});
    ASSERT_TRUE(d.error);
    EXPECT_TRUE(d.error->is(Errc::too_large)) << d.error->message();
  }
}

TEST(RtmpChunkReader, TooManyOpenMessagesAreRefused) {
  Bytes in;
  for (uint32_t csid = 4; csid < 7; ++csid) {
    fmt0(in, csid, 0, 300, 9, 1);
    append(in, test::pattern(300), 0, 128);
  }
  auto d = read_all(in, {.max_open_messages = 2});
  ASSERT_TRUE(d.error);
  EXPECT_TRUE(d.error->is(Errc::too_large)) << d.error->message();
}

TEST(RtmpChunkReader, CompletedMessagesDoNotCountAsOpen) {
  Bytes in;
  for (int round = 0; round < 10; ++round)
    for (uint32_t csid = 4; csid < 8; ++csid) message(in, csid, uint32_t(round), 9, 1, test::pattern(300));
  auto d = read_all(in, {.max_open_messages = 1});
  EXPECT_FALSE(d.error) << d.error->message();
  EXPECT_EQ(d.messages.size(), 40u);
}

// The limit is on messages held partly received (ChunkReaderLimits); a message that
// is whole in its first chunk is never held. Publishers interleave exactly that: small
// audio messages between the chunks of a large video one.
TEST(RtmpChunkReader, AMessageWholeInOneChunkIsNotCountedAsOpen) {
  Bytes in;
  fmt0(in, 6, 0, 300, 9, 1);
  append(in, test::pattern(300), 0, 128);
  message(in, 4, 0, 8, 1, test::pattern(20, 2));  // one chunk, between the video's chunks
  fmt3(in, 6);
  append(in, test::pattern(300), 128, 128);
  message(in, 5, 0, 18, 1, test::pattern(10, 3));
  fmt3(in, 6);
  append(in, test::pattern(300), 256);
  auto d = read_all(in, {.max_open_messages = 1});
  ASSERT_FALSE(d.error) << "one partly received video message plus single-chunk messages is within "
                           "max_open_messages = 1: "
                        << d.error->message();
  EXPECT_EQ(summarize(d.messages), (std::vector<Summary>{{4, 0, 8, 1, test::pattern(20, 2)},
                                                         {5, 0, 18, 1, test::pattern(10, 3)},
                                                         {6, 0, 9, 1, test::pattern(300)}}));

  // And they do not use up the slot the limit leaves: a second partial message is still refused.
  Bytes two;
  fmt0(two, 6, 0, 300, 9, 1);
  append(two, test::pattern(300), 0, 128);
  message(two, 4, 0, 8, 1, test::pattern(20, 2));
  fmt0(two, 7, 0, 300, 9, 1);
  append(two, test::pattern(300), 0, 128);
  auto refused = read_all(two, {.max_open_messages = 1});
  ASSERT_TRUE(refused.error);
  EXPECT_TRUE(refused.error->is(Errc::too_large)) << refused.error->message();
  EXPECT_EQ(refused.messages.size(), 1u);
}

TEST(RtmpChunkReader, ChunkStreamCountIsBounded) {
  Bytes in;
  for (uint32_t i = 0; i < 64; ++i) message(in, 3 + i, 0, 20, 0, test::pattern(4));
  auto ok = read_all(in);
  ASSERT_FALSE(ok.error) << ok.error->message();
  EXPECT_EQ(ok.messages.size(), 64u);

  for (uint32_t i = 64; i < 200; ++i) message(in, 3 + i, 0, 20, 0, test::pattern(4));
  auto d = read_all(in);
  ASSERT_TRUE(d.error) << "a peer cannot make us keep state for 200 chunk streams";
  EXPECT_TRUE(d.error->is(Errc::too_large)) << d.error->message();
  EXPECT_EQ(d.messages.size(), 64u);
}

// ---- Malformed headers ---------------------------------------------------------

TEST(RtmpChunkReader, FirstChunkOfAChunkStreamNeedsAFullHeader) {
  for (int fmt : {2, 3}) {
    Bytes in;
    basic_header(in, fmt, 9);
    in.insert(in.end(), 20, 0);
    auto d = read_all(in);
    ASSERT_TRUE(d.error) << "fmt " << fmt;
    EXPECT_TRUE(d.error->is(Errc::malformed)) << d.error->message();
  }
}

TEST(RtmpChunkReader, NewHeaderInTheMiddleOfAMessageIsMalformed) {
  for (int fmt : {0, 1, 2}) {
    Bytes in;
    fmt0(in, 6, 0, 300, 9, 1);
    append(in, test::pattern(300), 0, 128);
    if (fmt == 0) fmt0(in, 6, 0, 10, 9, 1);
    if (fmt == 1) fmt1(in, 6, 0, 10, 9);
    if (fmt == 2) fmt2(in, 6, 0);
    append(in, test::pattern(10));
    auto d = read_all(in);
    ASSERT_TRUE(d.error) << "fmt " << fmt;
    EXPECT_TRUE(d.error->is(Errc::malformed)) << d.error->message();
  }
}

// ---- Slicing and truncation ----------------------------------------------------

// A stream that uses every feature above: header types, extended timestamps on
// continuations, interleaving, a chunk size change, an abort, 2- and 3-byte ids.
Bytes busy_stream() {
  Bytes in;
  message(in, 3, 0, 20, 0, test::pattern(150, 1));
  message(in, 6, 0xFFFFFF, 9, 1, test::pattern(600, 2));
  fmt0(in, 4, 10, 260, 8, 1);
  append(in, test::pattern(260, 3), 0, 128);
  fmt0(in, 70, 20, 30, 18, 1);
  append(in, test::pattern(30, 4));
  fmt3(in, 4);
  append(in, test::pattern(260, 3), 128, 128);
  fmt2(in, 6, 40);
  append(in, test::pattern(600, 2), 0, 128);
  message(in, 2, 0, uint8_t(MessageType::abort), 0, u32be_bytes(6));
  fmt3(in, 4);
  append(in, test::pattern(260, 3), 256);
  set_chunk_size(in, 1000);
  message(in, 400, 0x7FFFFFFF, 9, 1, test::pattern(2500, 5), 1000);
  fmt1(in, 4, 33, 999, 8);
  append(in, test::pattern(999, 6));
  fmt3(in, 4);
  append(in, test::pattern(999, 7));
  fmt0(in, 5, 0, 0, 18, 1);
  return in;
}

TEST(RtmpChunkReader, BusyStreamIsReadAsExpected) {
  auto d = read_all(busy_stream());
  ASSERT_FALSE(d.error) << d.error->message();
  const std::vector<Summary> expected = {
      {3, 0, 20, 0, test::pattern(150, 1)},
      {6, 0xFFFFFF, 9, 1, test::pattern(600, 2)},
      {70, 20, 18, 1, test::pattern(30, 4)},
      {2, 0, 2, 0, u32be_bytes(6)},
      {4, 10, 8, 1, test::pattern(260, 3)},
      {2, 0, 1, 0, u32be_bytes(1000)},
      {400, 0x7FFFFFFF, 9, 1, test::pattern(2500, 5)},
      {4, 43, 8, 1, test::pattern(999, 6)},
      {4, 76, 8, 1, test::pattern(999, 7)},
      {5, 0, 18, 1, {}},
  };
  EXPECT_EQ(summarize(d.messages), expected);
}

TEST(RtmpChunkReader, EverySliceSizeGivesTheSameMessages) {
  const Bytes in = busy_stream();
  const auto whole = summarize(read_all(in).messages);
  ASSERT_EQ(whole.size(), 10u);
  for (size_t slice : {1u, 2u, 3u, 7u, 11u, 128u, 129u, 1000u}) {
    auto d = read_in_slices(in, [&] { return slice; });
    ASSERT_FALSE(d.error) << "slice " << slice << ": " << d.error->message();
    EXPECT_EQ(summarize(d.messages), whole) << "slice " << slice;
  }
  std::mt19937 rng(1234);
  for (int run = 0; run < 200; ++run) {
    auto d = read_in_slices(in, [&] { return size_t(1 + rng() % 300); });
    ASSERT_FALSE(d.error) << d.error->message();
    ASSERT_EQ(summarize(d.messages), whole) << "run " << run;
  }
}

TEST(RtmpChunkReader, PrepareAndCommitFeedLikeFeed) {
  const Bytes in = busy_stream();
  ChunkReader r;
  std::vector<Message> got;
  std::mt19937 rng(99);
  for (size_t pos = 0; pos < in.size();) {
    const size_t want = 1 + rng() % 500;
    auto room = r.prepare(want);
    ASSERT_EQ(room.size(), want);
    const size_t n = std::min(want, in.size() - pos);  // commit less than prepared, sometimes
    std::copy_n(in.begin() + long(pos), n, room.begin());
    r.commit(n);
    pos += n;
    auto d = drain(r);
    ASSERT_FALSE(d.error) << d.error->message();
    for (auto& m : d.messages) got.push_back(std::move(m));
  }
  EXPECT_EQ(summarize(got), summarize(read_all(in).messages));
  EXPECT_EQ(r.bytes_received(), in.size());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(RtmpChunkReader, TruncatedInputNeverYieldsAMessageNorAnError) {
  // One message with every optional header part: 3-byte id, extended timestamp, and
  // type 3 continuations repeating it.
  Bytes in;
  message(in, 1000, 0x20000000, 9, 1, test::pattern(400));
  auto whole = read_all(in);
  ASSERT_EQ(whole.messages.size(), 1u);
  for (size_t cut = 0; cut < in.size(); ++cut) {
    ChunkReader r;
    r.feed(std::span(in).first(cut));
    auto d = drain(r);
    ASSERT_FALSE(d.error) << "cut at " << cut << ": " << d.error->message();
    ASSERT_TRUE(d.messages.empty()) << "cut at " << cut;
    // The rest arrives later and the message is complete and the same.
    r.feed(std::span(in).subspan(cut));
    auto rest = drain(r);
    ASSERT_FALSE(rest.error) << rest.error->message();
    ASSERT_EQ(summarize(rest.messages), summarize(whole.messages)) << "cut at " << cut;
  }
}

TEST(RtmpChunkReader, AnyPrefixGivesExactlyTheMessagesItCompletes) {
  const Bytes in = busy_stream();
  // Where each message ends, found byte by byte.
  std::vector<size_t> ends;
  {
    ChunkReader r;
    for (size_t i = 0; i < in.size(); ++i) {
      r.feed(std::span(in).subspan(i, 1));
      auto d = drain(r);
      ASSERT_FALSE(d.error) << d.error->message();
      for (size_t k = 0; k < d.messages.size(); ++k) ends.push_back(i + 1);
    }
  }
  ASSERT_EQ(ends.size(), 10u);
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    ChunkReader r;
    r.feed(std::span(in).first(cut));
    auto d = drain(r);
    ASSERT_FALSE(d.error) << "cut at " << cut << ": " << d.error->message();
    const auto completed = size_t(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
    ASSERT_EQ(d.messages.size(), completed) << "cut at " << cut;
  }
}

// ---- Hostile input -------------------------------------------------------------

void check_survives(const Bytes& in, std::mt19937& rng, const ChunkReaderLimits& limits) {
  ChunkReader r(limits);
  size_t fed = 0, messages = 0;
  for (size_t pos = 0; pos < in.size();) {
    const size_t n = std::min(in.size() - pos, size_t(1 + rng() % 512));
    r.feed(std::span(in).subspan(pos, n));
    pos += n;
    fed += n;
    for (;;) {
      auto m = r.next();
      if (!m) {
        const auto& e = m.error();
        ASSERT_TRUE(e.is(Errc::malformed) || e.is(Errc::too_large) || e.is(Errc::truncated)) << e.message();
        ASSERT_FALSE(e.message().empty());
        return;
      }
      if (!*m) break;
      ++messages;
      ASSERT_LE((*m)->payload.size(), limits.max_message_size);
      // Each message costs at least its 1-byte basic header, so a loop that makes
      // messages out of nothing would show here.
      ASSERT_LE(messages, fed);
    }
    ASSERT_LE(r.buffered(), fed);
    // Unconsumed input is at most one chunk and its header, whatever was fed.
    ASSERT_LE(r.buffered(), size_t(limits.max_chunk_size) + 18 + 512);
  }
}

TEST(RtmpChunkReader, RandomGarbageNeverCrashesHangsOrGrowsUnbounded) {
  const ChunkReaderLimits limits{.max_message_size = 64 * 1024, .max_chunk_size = 4096, .max_open_messages = 4};
  std::mt19937 rng(20240601);
  for (int run = 0; run < 5000; ++run) {
    Bytes in(1 + rng() % 4096);
    for (auto& b : in) b = uint8_t(rng());
    // Most garbage dies at once; bias some runs towards plausible headers (small
    // ids, type 3 continuations) so the reader goes deeper.
    if (run % 2) {
      for (size_t i = 0; i < in.size(); i += 1 + rng() % 64) in[i] = uint8_t((rng() % 4) << 6 | (2 + rng() % 6));
    }
    check_survives(in, rng, limits);
    if (::testing::Test::HasFatalFailure()) FAIL() << "run " << run;
  }
}

TEST(RtmpChunkReader, MutatedRecordingsNeverCrashOrHang) {
  const auto session = read_rtmp_fixture("ffmpeg-publish.c2s.bin");
  ASSERT_GT(session.size(), kHandshakeBytes + 20000);
  const Bytes chunks(session.begin() + long(kHandshakeBytes), session.begin() + long(kHandshakeBytes) + 20000);
  const ChunkReaderLimits limits{.max_message_size = 256 * 1024, .max_chunk_size = 65536, .max_open_messages = 8};
  std::mt19937 rng(77);
  for (int run = 0; run < 1500; ++run) {
    Bytes in = chunks;
    const int flips = 1 + int(rng() % 8);
    for (int i = 0; i < flips; ++i) in[rng() % in.size()] = uint8_t(rng());
    check_survives(in, rng, limits);
    if (::testing::Test::HasFatalFailure()) FAIL() << "run " << run;
  }
}

// ---- Recorded sessions ---------------------------------------------------------

std::map<MessageType, size_t> count_types(const std::vector<Message>& ms) {
  std::map<MessageType, size_t> out;
  for (const auto& m : ms) ++out[m.type()];
  return out;
}

Drained read_recording(const std::string& name, size_t slice) {
  const auto session = read_rtmp_fixture(name);
  EXPECT_GT(session.size(), kHandshakeBytes) << name;
  const Bytes chunks(session.begin() + long(kHandshakeBytes), session.end());
  std::mt19937 rng(5);
  return read_in_slices(chunks, [&] { return slice ? slice : size_t(1 + rng() % 3000); });
}

TEST(RtmpChunkReader, FfmpegPublishRecordingDemuxesFully) {
  const auto session = read_rtmp_fixture("ffmpeg-publish.c2s.bin");
  ChunkReader r;
  r.feed(std::span(session).subspan(kHandshakeBytes));
  auto d = drain(r);
  ASSERT_FALSE(d.error) << d.error->message();
  EXPECT_EQ(r.buffered(), 0u) << "the recording ends on a message boundary";
  auto types = count_types(d.messages);
  EXPECT_EQ(types[MessageType::set_chunk_size], 1u);
  EXPECT_EQ(types[MessageType::data_amf0], 1u) << "@setDataFrame onMetaData";
  EXPECT_GE(types[MessageType::command_amf0], 7u)
      << "connect releaseStream FCPublish createStream publish FCUnpublish deleteStream";
  EXPECT_GT(types[MessageType::video], 30u) << "about 3 s at 15 fps";
  EXPECT_GT(types[MessageType::audio], 50u);
  EXPECT_GT(r.chunk_size(), 128u) << "ffmpeg raises its chunk size";

  uint32_t last_video = 0;
  size_t video_bytes = 0;
  for (const auto& m : d.messages) {
    if (m.type() != MessageType::video) continue;
    EXPECT_GE(m.header.timestamp, last_video);
    last_video = m.header.timestamp;
    EXPECT_EQ(m.header.stream_id, 1u);
    ASSERT_FALSE(m.payload.empty());
    EXPECT_EQ(m.payload[0] & 0x0f, 7) << "AVC";
    video_bytes += m.payload.size();
  }
  EXPECT_GT(last_video, 2000u);
  EXPECT_LT(last_video, 5000u);
  EXPECT_GT(video_bytes, 50000u);
  // The first video message is the AVC sequence header (keyframe, AVCPacketType 0).
  auto first = std::find_if(d.messages.begin(), d.messages.end(),
                            [](const Message& m) { return m.type() == MessageType::video; });
  ASSERT_NE(first, d.messages.end());
  EXPECT_EQ(first->payload[0], 0x17);
  EXPECT_EQ(first->payload[1], 0);
}

TEST(RtmpChunkReader, RecordingsInAnySlicesGiveTheSameMessages) {
  for (const char* name : {"ffmpeg-publish.c2s.bin", "librtmp-publish.c2s.bin", "rtmpdump-play.s2c.bin",
                           "ffmpeg-play.s2c.bin", "rtmpdump-play.c2s.bin", "ffmpeg-play.c2s.bin"}) {
    const auto whole = read_recording(name, 1 << 24);
    ASSERT_FALSE(whole.error) << name << ": " << whole.error->message();
    ASSERT_GT(whole.messages.size(), 3u) << name;
    for (size_t slice : {size_t(1), size_t(0), size_t(127), size_t(4096)}) {
      const auto d = read_recording(name, slice);
      ASSERT_FALSE(d.error) << name << " slice " << slice << ": " << d.error->message();
      EXPECT_EQ(summarize(d.messages), summarize(whole.messages)) << name << " slice " << slice;
    }
  }
}

TEST(RtmpChunkReader, LibrtmpPublishAndPlayRecordingsCarryMedia) {
  {
    auto d = read_recording("librtmp-publish.c2s.bin", 0);
    ASSERT_FALSE(d.error) << d.error->message();
    auto types = count_types(d.messages);
    EXPECT_GT(types[MessageType::video], 30u);
    EXPECT_GT(types[MessageType::audio], 30u);
    EXPECT_GE(types[MessageType::command_amf0], 4u);
  }
  for (const char* name : {"rtmpdump-play.s2c.bin", "ffmpeg-play.s2c.bin"}) {
    auto d = read_recording(name, 0);
    ASSERT_FALSE(d.error) << name << ": " << d.error->message();
    auto types = count_types(d.messages);
    EXPECT_GT(types[MessageType::video], 30u) << name;
    EXPECT_GT(types[MessageType::audio], 30u) << name;
    EXPECT_GE(types[MessageType::command_amf0], 2u) << name << ": _result, onStatus";
    EXPECT_GE(types[MessageType::window_ack_size], 1u) << name;
    EXPECT_GE(types[MessageType::set_chunk_size], 1u) << name;
  }
}

}  // namespace
}  // namespace relaycast::rtmp
