#include "stream/frame.hpp"

#include <fmt/format.h>

#include "core/byte_io.hpp"
#include "format/flv.hpp"
#include "protocol/rtmp/chunk_writer.hpp"

namespace relaycast {
namespace {

// The message stream id every RTMP viewer's play stream gets from createStream.
constexpr uint32_t kPlayStreamId = 1;

uint32_t chunk_stream_for(TrackKind kind) {
  switch (kind) {
    case TrackKind::video: return rtmp::kVideoChunkStream;
    case TrackKind::audio: return rtmp::kAudioChunkStream;
    case TrackKind::data: return rtmp::kDataChunkStream;
  }
  return rtmp::kDataChunkStream;
}

size_t total_size(const std::vector<Buffer>& pieces) {
  size_t n = 0;
  for (const auto& p : pieces) n += p.size();
  return n;
}

// HTTP-FLV body framing (RFC 9112 7.1 chunked coding): "<hex size>\r\n", the FLV tag
// header and tag body prefix; the payload; PreviousTagSize and "\r\n".
void add_flv(Frame& f, std::span<const uint8_t> prefix, uint32_t ts_ms) {
  const auto& p = f.packet;
  const uint32_t data_size = uint32_t(prefix.size() + p.payload.size());
  const uint32_t tag_size = 11 + data_size;
  const auto size_line = fmt::format("{:x}\r\n", tag_size + 4);

  BufferBuilder head(size_line.size() + 11 + prefix.size());
  head.append(std::span(reinterpret_cast<const uint8_t*>(size_line.data()), size_line.size()));
  flv::write_tag_header(flv::tag_type(p.kind), data_size, ts_ms, head.unwritten().data());
  head.commit(11);
  head.append(prefix);

  BufferBuilder tail(6);
  store_u32be(tail.unwritten().data(), tag_size);
  tail.commit(4);
  tail.append(std::span(reinterpret_cast<const uint8_t*>("\r\n"), 2));

  f.flv.push_back(std::move(head).freeze());
  if (!p.payload.empty()) f.flv.push_back(p.payload);
  f.flv.push_back(std::move(tail).freeze());
}

}  // namespace

FramePtr make_frame(uint64_t seq, MediaPacket packet, uint32_t rtmp_chunk_size) {
  auto f = std::make_shared<Frame>();
  f->seq = seq;
  f->packet = std::move(packet);
  const auto& p = f->packet;

  uint8_t prefix[16];
  const size_t prefix_size = flv::body_prefix(p, prefix);
  const uint32_t ts_ms = uint32_t(ticks_to_ms(p.dts));

  rtmp::MessageHeader header{.chunk_stream = chunk_stream_for(p.kind),
                             .timestamp = ts_ms,
                             .type = flv::tag_type(p.kind),
                             .stream_id = kPlayStreamId};
  rtmp::write_shared_chunks(header, std::span(prefix, prefix_size), p.payload, rtmp_chunk_size, f->rtmp);
  add_flv(*f, std::span(prefix, prefix_size), ts_ms);
  f->rtmp_bytes = total_size(f->rtmp);
  f->flv_bytes = total_size(f->flv);
  return f;
}

}  // namespace relaycast
