#include "protocol/rtmp/chunk_writer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/byte_io.hpp"
#include "fixture.hpp"
#include "protocol/rtmp/chunk_reader.hpp"

namespace relaycast::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes concat(const std::vector<Buffer>& pieces) {
  Bytes out;
  for (const auto& p : pieces) out.insert(out.end(), p.span().begin(), p.span().end());
  return out;
}

// A reader that has been told `chunk_size` the way a peer would tell it: with a Set
// Chunk Size message, written at the initial 128.
ChunkReader reader_at(uint32_t chunk_size) {
  ChunkReader r;
  if (chunk_size == 128) return r;
  Bytes body;
  ByteWriter(body).u32be(chunk_size);
  Bytes scs;
  write_chunks({.chunk_stream = kControlChunkStream, .timestamp = 0, .type = 1, .stream_id = 0}, body, 128, scs);
  r.feed(scs);
  auto m = r.next();
  EXPECT_TRUE(m && *m && (**m).type() == MessageType::set_chunk_size);
  EXPECT_EQ(r.chunk_size(), chunk_size);
  return r;
}

// Reads exactly one message back from `wire`; fails the test otherwise.
Message read_back(const Bytes& wire, uint32_t chunk_size) {
  ChunkReader r = reader_at(chunk_size);
  r.feed(wire);
  auto m = r.next();
  EXPECT_TRUE(m) << m.error().message();
  if (!m || !*m) {
    ADD_FAILURE() << "no message in " << wire.size() << " bytes";
    return {};
  }
  Message out = std::move(**m);
  auto more = r.next();
  EXPECT_TRUE(more && !*more) << "exactly one message";
  EXPECT_EQ(r.buffered(), 0u) << "no bytes left over";
  return out;
}

// Sizes on both sides of multiples of the chunk size.
std::vector<size_t> sizes_around(uint32_t chunk_size) {
  std::vector<size_t> out = {0, 1, 2};
  for (size_t k = 1; k <= 4; ++k)
    for (long d : {-2L, -1L, 0L, 1L, 2L})
      if (long(k * chunk_size) + d > 2) out.push_back(size_t(long(k * chunk_size) + d));
  return out;
}

size_t basic_header_size(uint32_t csid) { return csid < 64 ? 1 : csid < 320 ? 2 : 3; }

// What the wire must weigh: a type 0 header, a type 3 header per further chunk, and
// the extended timestamp in every chunk when the timestamp does not fit 24 bits.
size_t expected_wire_size(size_t body, uint32_t chunk_size, uint32_t csid, uint32_t ts) {
  const size_t chunks = body == 0 ? 1 : (body + chunk_size - 1) / chunk_size;
  const size_t ext = ts >= 0xFFFFFF ? 4 : 0;
  return body + chunks * (basic_header_size(csid) + ext) + 11;
}

TEST(RtmpChunkWriter, WriteChunksRoundTripsEverySizeAroundChunkMultiples) {
  for (uint32_t chunk_size : {1u, 128u, 129u, 4096u, 60000u}) {
    for (size_t size : sizes_around(chunk_size)) {
      if (chunk_size == 60000 && size > 130000) continue;
      const Bytes body = test::pattern(size);
      const MessageHeader h{.chunk_stream = 6, .timestamp = 1234, .type = 9, .stream_id = 1};
      Bytes wire;
      write_chunks(h, body, chunk_size, wire);
      EXPECT_EQ(wire.size(), expected_wire_size(size, chunk_size, 6, 1234))
          << "chunk size " << chunk_size << ", body " << size;
      const Message m = read_back(wire, chunk_size);
      EXPECT_EQ(test::payload_of(m), body) << "chunk size " << chunk_size << ", body " << size;
      EXPECT_EQ(m.header.timestamp, 1234u);
      EXPECT_EQ(m.header.type, 9);
      EXPECT_EQ(m.header.stream_id, 1u);
      EXPECT_EQ(m.header.chunk_stream, 6u);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(RtmpChunkWriter, WriteChunksAppendsToWhatIsAlreadyThere) {
  Bytes wire = {0xAA, 0xBB};
  write_chunks({.chunk_stream = 3, .timestamp = 0, .type = 20, .stream_id = 0}, test::pattern(10), 128, wire);
  EXPECT_EQ(wire[0], 0xAA);
  EXPECT_EQ(wire[1], 0xBB);
  EXPECT_EQ(wire.size(), 2u + 12 + 10);
}

TEST(RtmpChunkWriter, Type0HeaderBytesAreAsTheSpecDraws) {
  Bytes wire;
  write_chunks({.chunk_stream = 4, .timestamp = 0x010203, .type = 8, .stream_id = 0x0A0B0C0D}, test::pattern(200), 128,
               wire);
  ASSERT_EQ(wire.size(), 12u + 128 + 1 + 72);
  const Bytes head(wire.begin(), wire.begin() + 12);
  EXPECT_EQ(head, (Bytes{0x04, 0x01, 0x02, 0x03, 0x00, 0x00, 200, 0x08, 0x0D, 0x0C, 0x0B, 0x0A}))
      << "fmt 0 | csid, timestamp, length (24 bit BE), type, stream id (LE)";
  EXPECT_EQ(wire[12 + 128], 0xC4) << "fmt 3 | csid for the continuation";
}

TEST(RtmpChunkWriter, ExtendedTimestampsRoundTripAndRepeatOnEveryChunk) {
  for (uint32_t ts : {0u, 0xFFFFFEu, 0xFFFFFFu, 0x1000000u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    const Bytes body = test::pattern(300);
    Bytes wire;
    write_chunks({.chunk_stream = 6, .timestamp = ts, .type = 9, .stream_id = 1}, body, 128, wire);
    EXPECT_EQ(wire.size(), expected_wire_size(300, 128, 6, ts)) << ts;
    if (ts >= 0xFFFFFF) {
      EXPECT_EQ(load_u24be(wire.data() + 1), 0xFFFFFFu) << "the 24-bit field says: see the extended field";
      EXPECT_EQ(load_u32be(wire.data() + 12), ts);
      // Second chunk: 1-byte basic header, then the repeated extended timestamp.
      const size_t second = 12 + 4 + 128;
      EXPECT_EQ(wire[second], 0xC6);
      EXPECT_EQ(load_u32be(wire.data() + second + 1), ts);
    } else {
      EXPECT_EQ(load_u24be(wire.data() + 1), ts);
    }
    const Message m = read_back(wire, 128);
    EXPECT_EQ(m.header.timestamp, ts);
    EXPECT_EQ(test::payload_of(m), body) << ts;
  }
}

TEST(RtmpChunkWriter, ChunkStreamIdsUseTheShortestBasicHeader) {
  struct Case {
    uint32_t csid;
    Bytes first_bytes;
  };
  for (const Case& c : {Case{2, {0x02}}, Case{63, {0x3F}}, Case{64, {0x00, 0x00}}, Case{65, {0x00, 0x01}},
                        Case{319, {0x00, 0xFF}}, Case{320, {0x01, 0x00, 0x01}}, Case{1000, {0x01, 0xA8, 0x03}},
                        Case{65599, {0x01, 0xFF, 0xFF}}}) {
    const Bytes body = test::pattern(300);
    Bytes wire;
    write_chunks({.chunk_stream = c.csid, .timestamp = 40, .type = 9, .stream_id = 1}, body, 128, wire);
    ASSERT_EQ(wire.size(), expected_wire_size(300, 128, c.csid, 40)) << "csid " << c.csid;
    EXPECT_EQ(Bytes(wire.begin(), wire.begin() + long(c.first_bytes.size())), c.first_bytes) << "csid " << c.csid;
    // The continuation uses the same form with fmt 3.
    const size_t second = c.first_bytes.size() + 11 + 128;
    Bytes cont = c.first_bytes;
    cont[0] |= 0xC0;
    EXPECT_EQ(Bytes(wire.begin() + long(second), wire.begin() + long(second + cont.size())), cont)
        << "csid " << c.csid;
    const Message m = read_back(wire, 128);
    EXPECT_EQ(m.header.chunk_stream, c.csid);
    EXPECT_EQ(test::payload_of(m), body) << "csid " << c.csid;
  }
}

TEST(RtmpChunkWriter, TwoMessagesOnOneChunkStreamReadBackIndependently) {
  // Every message starts with a type 0 header, so one message's bytes do not depend on
  // the one before: a viewer can start on any of them.
  Bytes wire;
  write_chunks({.chunk_stream = 6, .timestamp = 0x2000000, .type = 9, .stream_id = 1}, test::pattern(200, 1), 128,
               wire);
  const size_t first_size = wire.size();
  write_chunks({.chunk_stream = 6, .timestamp = 5, .type = 8, .stream_id = 2}, test::pattern(50, 2), 128, wire);
  ChunkReader r;
  r.feed(wire);
  auto a = r.next();
  auto b = r.next();
  ASSERT_TRUE(a && *a && b && *b);
  EXPECT_EQ((**a).header.timestamp, 0x2000000u);
  EXPECT_EQ((**b).header.timestamp, 5u);
  EXPECT_EQ((**b).header.stream_id, 2u);
  EXPECT_EQ(test::payload_of(**b), test::pattern(50, 2));
  const Message alone = read_back(Bytes(wire.begin() + long(first_size), wire.end()), 128);
  EXPECT_EQ(alone.header.timestamp, 5u);
}

// ---- write_shared_chunks ---------------------------------------------------------

bool points_into(const Buffer& piece, const Buffer& whole) {
  return piece.data() >= whole.data() && piece.data() + piece.size() <= whole.data() + whole.size();
}

TEST(RtmpChunkWriter, SharedChunksEqualWriteChunksOfPrefixAndPayload) {
  for (uint32_t chunk_size : {128u, 129u, 4096u}) {
    for (size_t prefix_size : {0u, 2u, 5u}) {
      for (size_t payload_size : sizes_around(chunk_size)) {
        for (uint32_t ts : {40u, 0xFFFFFFu}) {
          const Bytes prefix = test::pattern(prefix_size, 200);
          const Buffer payload = Buffer::copy_of(test::pattern(payload_size));
          const MessageHeader h{.chunk_stream = 6, .timestamp = ts, .type = 9, .stream_id = 1};
          std::vector<Buffer> pieces;
          write_shared_chunks(h, prefix, payload, chunk_size, pieces);

          Bytes body = prefix;
          body.insert(body.end(), payload.span().begin(), payload.span().end());
          Bytes expected;
          write_chunks(h, body, chunk_size, expected);
          ASSERT_EQ(concat(pieces), expected)
              << "chunk size " << chunk_size << ", prefix " << prefix_size << ", payload " << payload_size
              << ", ts " << ts;
          const Message m = read_back(concat(pieces), chunk_size);
          EXPECT_EQ(test::payload_of(m), body);
        }
      }
    }
  }
}

TEST(RtmpChunkWriter, SharedChunksNeverCopyThePayload) {
  for (uint32_t chunk_size : {128u, 4096u}) {
    for (size_t payload_size : {1u, 123u, 124u, 300u, 5000u, 20000u}) {
      const Bytes prefix = {0x17, 0x01, 0, 0, 0};
      const Buffer payload = Buffer::copy_of(test::pattern(payload_size));
      std::vector<Buffer> pieces;
      write_shared_chunks({.chunk_stream = 6, .timestamp = 0, .type = 9, .stream_id = 1}, prefix, payload,
                          chunk_size, pieces);
      // Pieces alternate: header block slice, payload slice, header, payload, ...
      size_t covered = 0;
      const uint8_t* next = payload.data();
      for (size_t i = 0; i < pieces.size(); ++i) {
        if (i % 2 == 0) {
          EXPECT_FALSE(points_into(pieces[i], payload)) << "piece " << i << " is a header";
          EXPECT_LE(pieces[i].size(), 3u + 11 + 4 + prefix.size());
          continue;
        }
        ASSERT_TRUE(points_into(pieces[i], payload))
            << "piece " << i << " must be a slice of the payload, not a copy (chunk size " << chunk_size
            << ", payload " << payload_size << ")";
        EXPECT_EQ(pieces[i].data(), next) << "payload slices are in order and contiguous";
        next = pieces[i].data() + pieces[i].size();
        covered += pieces[i].size();
      }
      EXPECT_EQ(covered, payload_size) << "every payload byte is referenced once";
      const size_t chunks = (prefix.size() + payload_size + chunk_size - 1) / chunk_size;
      EXPECT_EQ(pieces.size(), 2 * chunks);
    }
  }
}

TEST(RtmpChunkWriter, SharedChunksOfAnEmptyPayloadAreOneHeaderPiece) {
  std::vector<Buffer> pieces;
  write_shared_chunks({.chunk_stream = 5, .timestamp = 0, .type = 18, .stream_id = 1}, {}, Buffer(), 128, pieces);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].size(), 12u);
  const Message m = read_back(concat(pieces), 128);
  EXPECT_TRUE(m.payload.empty());
  EXPECT_EQ(m.header.type, 18);
}

TEST(RtmpChunkWriter, SharedChunksAppendAndOutliveTheirSource) {
  std::vector<Buffer> pieces = {Buffer::copy_of(std::string_view("keep"))};
  Bytes expected;
  {
    const Buffer payload = Buffer::copy_of(test::pattern(1000));
    write_shared_chunks({.chunk_stream = 6, .timestamp = 7, .type = 9, .stream_id = 1}, Bytes{0x27, 1, 0, 0, 0},
                        payload, 128, pieces);
    Bytes body = {0x27, 1, 0, 0, 0};
    body.insert(body.end(), payload.span().begin(), payload.span().end());
    write_chunks({.chunk_stream = 6, .timestamp = 7, .type = 9, .stream_id = 1}, body, 128, expected);
  }
  ASSERT_GT(pieces.size(), 1u);
  EXPECT_EQ(Bytes(pieces[0].span().begin(), pieces[0].span().end()), Bytes({'k', 'e', 'e', 'p'}));
  pieces.erase(pieces.begin());
  EXPECT_EQ(concat(pieces), expected) << "the slices keep their blocks alive";
}

}  // namespace
}  // namespace relaycast::rtmp
