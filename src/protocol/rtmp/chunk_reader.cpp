#include "protocol/rtmp/chunk_reader.hpp"

#include <algorithm>
#include <cstring>

#include "core/byte_io.hpp"

namespace relaycast::rtmp {
namespace {

// Chunk stream ids a peer may use at once. The wire allows 65599; real clients use a
// handful, and each one costs us state.
constexpr size_t kMaxChunkStreams = 64;

}  // namespace

ChunkReader::ChunkReader(ChunkReaderLimits limits) : limits_(limits) {}

std::span<uint8_t> ChunkReader::prepare(size_t n) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && begin_ >= in_.size() / 2) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (in_.size() < end_ + n) in_.resize(end_ + n);
  return {in_.data() + end_, n};
}

void ChunkReader::commit(size_t n) {
  end_ += n;
  bytes_received_ += n;
}

void ChunkReader::feed(std::span<const uint8_t> bytes) {
  auto dst = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), dst.begin());
  commit(bytes.size());
}

ChunkReader::ChunkStream* ChunkReader::find_or_add(uint32_t id) {
  for (auto& cs : streams_)
    if (cs.id == id) return &cs;
  if (streams_.size() >= kMaxChunkStreams) return nullptr;
  streams_.push_back(ChunkStream{.id = id});
  return &streams_.back();
}

// RTMP 5.3.1: a chunk is a basic header (1-3 bytes: fmt and chunk stream id), a
// message header of 11, 7, 3 or 0 bytes by fmt, an optional 4-byte extended
// timestamp, and up to chunk-size bytes of the message.
//
//   0 1 2 3 4 5 6 7
//  +-+-+-+-+-+-+-+-+
//  |fmt|   cs id   |   cs id 0: id = 64 + next byte; 1: id = 64 + next two (LE)
//  +-+-+-+-+-+-+-+-+
Result<std::optional<Message>> ChunkReader::next() {
  for (;;) {
    ByteReader r(std::span<const uint8_t>(in_.data() + begin_, end_ - begin_));
    auto b0 = r.u8();
    if (!b0) return std::nullopt;
    const uint8_t fmt = *b0 >> 6;
    uint32_t id = *b0 & 0x3f;
    if (id == 0) {
      auto b = r.u8();
      if (!b) return std::nullopt;
      id = 64 + *b;
    } else if (id == 1) {
      auto lo = r.u8();
      auto hi = r.u8();
      if (!lo || !hi) return std::nullopt;
      id = 64 + *lo + 256u * *hi;
    }

    ChunkStream* cs = find_or_add(id);
    if (!cs) return fail(Errc::too_large, "more than {} chunk streams in use", kMaxChunkStreams);
    const bool fresh_message = !cs->partial;
    if (!cs->seen && fmt >= 2)
      return fail(Errc::malformed, "chunk stream {} starts with a type {} header; the first chunk needs a full header", id, fmt);
    if (!fresh_message && fmt != 3)
      return fail(Errc::malformed, "chunk stream {}: type {} header in the middle of a message", id, fmt);

    // RTMP 5.3.1.2: message header by fmt.
    MessageHeader header = cs->header;
    header.chunk_stream = id;
    uint32_t length = cs->length;
    uint32_t ts_field = cs->delta;
    bool extended = cs->extended;
    if (fmt <= 2) {
      auto ts = r.u24be();
      if (!ts) return std::nullopt;
      ts_field = *ts;
      extended = ts_field == kExtendedTimestamp;
    }
    if (fmt <= 1) {
      auto len = r.u24be();
      auto type = r.u8();
      if (!len || !type) return std::nullopt;
      length = *len;
      header.type = *type;
    }
    if (fmt == 0) {
      // The message stream id is the one little-endian field of RTMP.
      auto msid = r.u32le();
      if (!msid) return std::nullopt;
      header.stream_id = *msid;
    }
    // RTMP 5.3.1.3: the extended timestamp follows whenever the 24-bit field is
    // 0xFFFFFF, and type 3 chunks of such a stream repeat it (as FFmpeg and librtmp do).
    if (extended) {
      auto ext = r.u32be();
      if (!ext) return std::nullopt;
      if (fmt <= 2) ts_field = *ext;
    }
    if (length > limits_.max_message_size)
      return fail(Errc::too_large, "chunk stream {}: message of {} bytes is over the limit of {}", id, length,
                  limits_.max_message_size);

    const uint32_t received = fresh_message ? 0 : uint32_t(cs->partial->size());
    const uint32_t take = std::min(chunk_size_, length - received);
    if (r.remaining() < take) return std::nullopt;

    // The whole chunk is here: commit its header to the chunk stream's state.
    if (fresh_message) {
      if (fmt == 0)
        header.timestamp = ts_field;
      else
        header.timestamp = cs->header.timestamp + ts_field;  // wraps mod 2^32 as RTMP's do
      // Only a message that needs more chunks stays open; one whole in this chunk does not.
      if (take < length) {
        if (open_messages_ >= limits_.max_open_messages)
          return fail(Errc::too_large, "more than {} messages open at once on different chunk streams",
                      limits_.max_open_messages);
        ++open_messages_;
      }
      cs->partial.emplace(length);
      cs->counted_open = take < length;
    }
    cs->header = header;
    cs->length = length;
    cs->delta = ts_field;
    cs->extended = extended;
    cs->seen = true;
    cs->partial->append(*r.bytes(take));
    begin_ += r.position();

    if (cs->partial->size() < length) continue;
    Message m{header, std::move(*cs->partial).freeze()};
    cs->partial.reset();
    if (cs->counted_open) --open_messages_;
    if (auto ok = apply_control(m); !ok) return std::unexpected(std::move(ok.error()));
    return m;
  }
}

Result<void> ChunkReader::apply_control(const Message& m) {
  // RTMP 5.4 puts control messages on chunk stream 2 of message stream 0; we accept
  // them on any chunk stream, as peers do, but check what the payload holds.
  if (m.type() == MessageType::set_chunk_size) {
    // RTMP 5.4.1: 31 bits; the top bit must be zero; 0 is meaningless.
    if (m.payload.size() < 4) return fail(Errc::truncated, "Set Chunk Size of {} bytes, needs 4", m.payload.size());
    const uint32_t size = load_u32be(m.payload.data()) & 0x7fffffff;
    if (size == 0) return fail(Errc::malformed, "Set Chunk Size of 0");
    if (size > limits_.max_chunk_size)
      return fail(Errc::too_large, "Set Chunk Size of {} is over the limit of {}", size, limits_.max_chunk_size);
    chunk_size_ = size;
  } else if (m.type() == MessageType::abort) {
    // RTMP 5.4.2: drop the partly received message of that chunk stream.
    if (m.payload.size() < 4) return fail(Errc::truncated, "Abort of {} bytes, needs 4", m.payload.size());
    const uint32_t id = load_u32be(m.payload.data());
    for (auto& cs : streams_) {
      if (cs.id == id && cs.partial) {
        cs.partial.reset();
        if (cs.counted_open) --open_messages_;
      }
    }
  }
  return {};
}

}  // namespace relaycast::rtmp
