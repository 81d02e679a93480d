#pragma once
// A MediaPacket as it sits in a Stream's ring, with its wire forms for the outputs
// whose bytes are the same for every viewer. They are made once, when the packet is
// pushed, and every viewer writes the same buffers (nginx-rtmp's shared chains).
#include <cstdint>
#include <memory>
#include <vector>

#include "core/buffer.hpp"
#include "media/media_packet.hpp"

namespace relaycast {

struct Frame {
  uint64_t seq = 0;
  MediaPacket packet;
  std::vector<Buffer> rtmp;  // RTMP chunks on message stream 1, type 0 header first
  std::vector<Buffer> flv;   // one HTTP/1.1 chunk holding one FLV tag and its PreviousTagSize
  size_t rtmp_bytes = 0;
  size_t flv_bytes = 0;
};

using FramePtr = std::shared_ptr<const Frame>;

// Builds both wire forms; `rtmp_chunk_size` is the chunk size every RTMP viewer was told.
FramePtr make_frame(uint64_t seq, MediaPacket packet, uint32_t rtmp_chunk_size);

}  // namespace relaycast
