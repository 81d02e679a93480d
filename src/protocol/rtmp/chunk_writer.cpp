#include "protocol/rtmp/chunk_writer.hpp"

#include <algorithm>

#include "core/byte_io.hpp"

namespace relaycast::rtmp {
namespace {

constexpr size_t kMaxChunkHeader = 3 + 11 + 4;

// RTMP 5.3.1.1 basic header, then the 5.3.1.2 type 0 or type 3 message header and the
// 5.3.1.3 extended timestamp. Returns the header length.
size_t put_chunk_header(uint8_t* p, const MessageHeader& h, uint32_t length, bool first) {
  const uint8_t fmt = first ? 0 : 3;
  size_t n = 0;
  const uint32_t id = h.chunk_stream;
  if (id < 64) {
    p[n++] = uint8_t(fmt << 6 | id);
  } else if (id < 320) {
    p[n++] = uint8_t(fmt << 6);
    p[n++] = uint8_t(id - 64);
  } else {
    p[n++] = uint8_t(fmt << 6 | 1);
    p[n++] = uint8_t((id - 64) & 0xff);
    p[n++] = uint8_t((id - 64) >> 8);
  }
  const bool extended = h.timestamp >= kExtendedTimestamp;
  if (first) {
    store_u24be(p + n, extended ? kExtendedTimestamp : h.timestamp);
    store_u24be(p + n + 3, length);
    p[n + 6] = h.type;
    store_u32le(p + n + 7, h.stream_id);
    n += 11;
  }
  if (extended) {
    store_u32be(p + n, h.timestamp);
    n += 4;
  }
  return n;
}

size_t chunk_count(size_t length, uint32_t chunk_size) {
  return std::max<size_t>(1, (length + chunk_size - 1) / chunk_size);
}

}  // namespace

void write_chunks(const MessageHeader& header, std::span<const uint8_t> body, uint32_t chunk_size,
                  std::vector<uint8_t>& out) {
  uint8_t head[kMaxChunkHeader];
  size_t offset = 0;
  for (size_t i = 0, n = chunk_count(body.size(), chunk_size); i < n; ++i) {
    const size_t hl = put_chunk_header(head, header, uint32_t(body.size()), i == 0);
    out.insert(out.end(), head, head + hl);
    const size_t take = std::min<size_t>(chunk_size, body.size() - offset);
    out.insert(out.end(), body.begin() + offset, body.begin() + offset + take);
    offset += take;
  }
}

void write_shared_chunks(const MessageHeader& header, std::span<const uint8_t> prefix, const Buffer& payload,
                         uint32_t chunk_size, std::vector<Buffer>& out) {
  const size_t length = prefix.size() + payload.size();
  const size_t chunks = chunk_count(length, chunk_size);
  BufferBuilder block(chunks * kMaxChunkHeader + prefix.size());

  // Where each chunk's header (plus, for the first, the prefix) sits in the block.
  struct Piece {
    size_t offset, size;
  };
  Piece small[8];
  std::vector<Piece> many;
  Piece* heads = small;
  if (chunks > std::size(small)) {
    many.resize(chunks);
    heads = many.data();
  }
  for (size_t i = 0; i < chunks; ++i) {
    const size_t start = block.size();
    block.commit(put_chunk_header(block.unwritten().data(), header, uint32_t(length), i == 0));
    if (i == 0) block.append(prefix);
    heads[i] = {start, block.size() - start};
  }
  const Buffer frozen = std::move(block).freeze();

  size_t payload_offset = 0;
  for (size_t i = 0; i < chunks; ++i) {
    out.push_back(frozen.slice(heads[i].offset, heads[i].size));
    const size_t room = chunk_size - (i == 0 ? prefix.size() : 0);
    const size_t take = std::min(room, payload.size() - payload_offset);
    if (take > 0) out.push_back(payload.slice(payload_offset, take));
    payload_offset += take;
  }
}

}  // namespace relaycast::rtmp
