#include "protocol/rtmp/control_messages.hpp"

#include "core/byte_io.hpp"
#include "protocol/rtmp/chunk_writer.hpp"

namespace relaycast::rtmp {
namespace {

void write_control(MessageType type, std::span<const uint8_t> body, uint32_t chunk_size, std::vector<uint8_t>& out) {
  write_chunks({.chunk_stream = kControlChunkStream, .timestamp = 0, .type = uint8_t(type), .stream_id = 0}, body,
               chunk_size, out);
}

void write_u32_control(MessageType type, uint32_t value, uint32_t chunk_size, std::vector<uint8_t>& out) {
  uint8_t body[4];
  store_u32be(body, value);
  write_control(type, body, chunk_size, out);
}

}  // namespace

void write_set_chunk_size(uint32_t size, uint32_t chunk_size, std::vector<uint8_t>& out) {
  write_u32_control(MessageType::set_chunk_size, size & 0x7fffffff, chunk_size, out);
}

void write_window_ack_size(uint32_t size, uint32_t chunk_size, std::vector<uint8_t>& out) {
  write_u32_control(MessageType::window_ack_size, size, chunk_size, out);
}

void write_acknowledgement(uint32_t sequence, uint32_t chunk_size, std::vector<uint8_t>& out) {
  write_u32_control(MessageType::acknowledgement, sequence, chunk_size, out);
}

void write_set_peer_bandwidth(uint32_t size, uint8_t limit_type, uint32_t chunk_size, std::vector<uint8_t>& out) {
  uint8_t body[5];
  store_u32be(body, size);
  body[4] = limit_type;
  write_control(MessageType::set_peer_bandwidth, body, chunk_size, out);
}

void write_user_control(UserControlEvent event, uint32_t value, uint32_t chunk_size, std::vector<uint8_t>& out) {
  uint8_t body[6];
  store_u16be(body, uint16_t(event));
  store_u32be(body + 2, value);
  write_control(MessageType::user_control, body, chunk_size, out);
}

void write_user_control_set_buffer_length(uint32_t stream_id, uint32_t ms, uint32_t chunk_size,
                                          std::vector<uint8_t>& out) {
  uint8_t body[10];
  store_u16be(body, uint16_t(UserControlEvent::set_buffer_length));
  store_u32be(body + 2, stream_id);
  store_u32be(body + 6, ms);
  write_control(MessageType::user_control, body, chunk_size, out);
}

}  // namespace relaycast::rtmp
