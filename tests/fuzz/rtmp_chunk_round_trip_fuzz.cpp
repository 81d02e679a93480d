// What the server sends every viewer goes through the chunk writer; what every client
// sends goes through the chunk reader. Any sequence of messages, at any chunk size,
// with any chunk stream ids and timestamps, written by one must read back from the
// other as the same messages: a disagreement is a stream every player chokes on.
//
// Input: u8 chunk size choice, then 12-byte records, one message each:
//   u8 type, u16 chunk stream id, u32 timestamp, u8 stream id, u16 size,
//   u8 prefix (low 3 bits: prefix length of write_shared_chunks; bit 7: write_chunks)
#include <algorithm>
#include <vector>

#include "core/byte_io.hpp"
#include "fuzz_support.hpp"
#include "protocol/rtmp/chunk_reader.hpp"
#include "protocol/rtmp/chunk_writer.hpp"

using namespace relaycast;

namespace {

constexpr uint32_t kChunkSizes[] = {1, 2, 127, 128, 129, 4096, 60000, 65536, 0x7fffffff};

std::vector<uint8_t> body_of(size_t size, uint32_t salt) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = uint8_t(i * 7 + salt);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in({data, size});
  const uint32_t chunk_size = kChunkSizes[in.u8().value_or(3) % std::size(kChunkSizes)];
  std::vector<uint8_t> wire;
  // The reader starts at 128 (RTMP 5.4.1) and must be told the writer's size.
  if (chunk_size != 128) {
    uint8_t body[4];
    store_u32be(body, chunk_size);
    rtmp::write_chunks({.chunk_stream = rtmp::kControlChunkStream,
                        .type = uint8_t(rtmp::MessageType::set_chunk_size), .stream_id = 0},
                       body, 128, wire);
  }
  struct Sent {
    rtmp::MessageHeader header;
    std::vector<uint8_t> body;
  };
  std::vector<Sent> sent;
  size_t total = 0;
  while (auto record = in.bytes(12)) {
    const uint8_t* r = record->data();
    rtmp::MessageHeader h;
    // Protocol control types change how the reader reads; the rest are opaque to it.
    h.type = r[0] <= 2 ? uint8_t(r[0] + 8) : r[0];
    // Chunk stream ids 2..65599, in the 1-, 2- and 3-byte basic header ranges.
    h.chunk_stream = 2 + load_u16be(r + 1) % 65598;
    h.timestamp = load_u32be(r + 3);
    h.stream_id = r[7];
    const size_t body_size = load_u16be(r + 8) % 3000;
    const uint8_t how = r[10];
    if (total + body_size > (1 << 20)) break;
    total += body_size;
    auto body = body_of(body_size, r[11]);
    const size_t prefix_size = std::min<size_t>({size_t(how & 7), body.size(), size_t(chunk_size - 1)});
    if ((how & 0x80) || chunk_size == 1) {
      rtmp::write_chunks(h, body, chunk_size, wire);
    } else {
      std::vector<Buffer> pieces;
      const auto payload = Buffer::copy_of(std::span(body).subspan(prefix_size));
      rtmp::write_shared_chunks(h, std::span(body).first(prefix_size), payload, chunk_size, pieces);
      for (const auto& p : pieces) wire.insert(wire.end(), p.span().begin(), p.span().end());
    }
    sent.push_back({h, std::move(body)});
    if (sent.size() >= 64) break;  // one chunk stream each at most: within the reader's limits
  }

  rtmp::ChunkReader reader({.max_message_size = 1 << 20, .max_chunk_size = 0x7fffffff, .max_open_messages = 64});
  reader.feed(wire);
  size_t got = 0;
  for (;;) {
    auto m = reader.next();
    FUZZ_CHECK(m.has_value());
    if (!*m) break;
    if ((*m)->type() == rtmp::MessageType::set_chunk_size) continue;
    FUZZ_CHECK(got < sent.size());
    const Sent& s = sent[got++];
    const auto& h = (*m)->header;
    FUZZ_CHECK(h.type == s.header.type);
    FUZZ_CHECK(h.chunk_stream == s.header.chunk_stream);
    FUZZ_CHECK(h.timestamp == s.header.timestamp);
    FUZZ_CHECK(h.stream_id == s.header.stream_id);
    FUZZ_CHECK((*m)->payload.size() == s.body.size());
    FUZZ_CHECK(std::equal(s.body.begin(), s.body.end(), (*m)->payload.span().begin()));
  }
  FUZZ_CHECK(got == sent.size());
  FUZZ_CHECK(reader.buffered() == 0);
  return 0;
}
