#pragma once
// RTMP chunk stream multiplexer (RTMP spec 5.3), sans-IO: a message in, its chunks out.
// Every message starts with a type 0 header (absolute timestamp), so a message's wire
// form does not depend on what was sent before it: the same bytes can go to every
// viewer whatever it received so far.
#include <cstdint>
#include <span>
#include <vector>

#include "core/buffer.hpp"
#include "protocol/rtmp/message.hpp"

namespace relaycast::rtmp {

// Appends the chunks of one message whose body is `body` to `out` (for control and
// command messages, which are small).
void write_chunks(const MessageHeader& header, std::span<const uint8_t> body, uint32_t chunk_size,
                  std::vector<uint8_t>& out);

// Appends the chunks of a message whose body is `prefix` followed by `payload` to
// `out` as pieces in wire order: chunk headers and the prefix live in one new small
// block, the payload is referenced in slices, never copied. `prefix` must be shorter
// than the chunk size (it is the 2-5 byte FLV tag header of a media message).
void write_shared_chunks(const MessageHeader& header, std::span<const uint8_t> prefix, const Buffer& payload,
                         uint32_t chunk_size, std::vector<Buffer>& out);

}  // namespace relaycast::rtmp
