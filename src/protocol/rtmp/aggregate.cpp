#include "protocol/rtmp/aggregate.hpp"

#include <optional>

#include "core/byte_io.hpp"

namespace relaycast::rtmp {

// RTMP 7.1.6: each sub-message is an FLV tag (E.4.1: type, 24-bit size, 24-bit
// timestamp + 8-bit extension, 24-bit stream id) followed by its back pointer.
Result<std::vector<Message>> split_aggregate(const Message& m) {
  std::vector<Message> out;
  ByteReader r(m.payload.span());
  std::optional<uint32_t> base;
  while (!r.empty()) {
    auto type = r.u8();
    auto size = r.u24be();
    auto ts = r.u24be();
    auto ts_ext = r.u8();
    if (!type || !size || !ts || !ts_ext || !r.skip(3) || r.remaining() < size_t(*size) + 4)
      return fail(Errc::truncated, "aggregate message cut inside a sub-message");
    const uint32_t timestamp = *ts | uint32_t(*ts_ext) << 24;
    if (!base) base = timestamp;
    MessageHeader h = m.header;
    h.type = *type;
    h.timestamp = m.header.timestamp + (timestamp - *base);
    out.push_back(Message{h, m.payload.slice(r.position(), *size)});
    r.skip(*size + 4);
  }
  return out;
}

}  // namespace relaycast::rtmp
