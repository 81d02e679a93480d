#pragma once
// Server/client-agnostic RTMP chunk stream demultiplexer (RTMP spec 5.3), sans-IO:
// bytes in, whole messages out. Protocol control messages that change how chunks are
// read (Set Chunk Size, Abort) are applied here and also handed to the caller.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/buffer.hpp"
#include "core/error.hpp"
#include "protocol/rtmp/message.hpp"

namespace relaycast::rtmp {

struct ChunkReaderLimits {
  uint32_t max_message_size = 8 * 1024 * 1024;
  uint32_t max_chunk_size = 16 * 1024 * 1024;
  // Chunk streams that may hold a partly received message at once; bounds the memory
  // a client can make us hold to max_open_messages * max_message_size.
  uint32_t max_open_messages = 8;
};

class ChunkReader {
public:
  explicit ChunkReader(ChunkReaderLimits limits = {});

  // Zero-copy feeding: write up to `n` bytes into prepare(n), then commit() what was
  // written.
  std::span<uint8_t> prepare(size_t n);
  void commit(size_t n);
  void feed(std::span<const uint8_t> bytes);

  // The next complete message, nullopt when more bytes are needed, or the protocol
  // violation that makes the stream unreadable (the connection must then be closed).
  Result<std::optional<Message>> next();

  uint32_t chunk_size() const { return chunk_size_; }
  uint64_t bytes_received() const { return bytes_received_; }
  size_t buffered() const { return end_ - begin_; }

private:
  struct ChunkStream {
    uint32_t id = 0;
    MessageHeader header;
    uint32_t length = 0;
    uint32_t delta = 0;
    bool extended = false;  // the last header had an extended timestamp
    bool seen = false;
    std::optional<BufferBuilder> partial;
    bool counted_open = false;  // the message spans chunks, so it holds memory meanwhile
  };

  ChunkStream* find_or_add(uint32_t id);
  Result<void> apply_control(const Message& m);

  ChunkReaderLimits limits_;
  uint32_t chunk_size_ = 128;  // RTMP 5.4.1: the initial chunk size
  std::vector<uint8_t> in_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t bytes_received_ = 0;
  std::vector<ChunkStream> streams_;
  uint32_t open_messages_ = 0;
};

}  // namespace relaycast::rtmp
