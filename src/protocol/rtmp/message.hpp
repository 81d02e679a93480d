#pragma once
// RTMP messages (RTMP spec 5.4 and 7.1): what the chunk stream carries once reassembled.
#include <cstdint>

#include "core/buffer.hpp"

namespace relaycast::rtmp {

// RTMP 5.4 protocol control messages and 7.1 command/data/media messages.
enum class MessageType : uint8_t {
  set_chunk_size = 1,
  abort = 2,
  acknowledgement = 3,
  user_control = 4,
  window_ack_size = 5,
  set_peer_bandwidth = 6,
  audio = 8,
  video = 9,
  data_amf3 = 15,
  shared_object_amf3 = 16,
  command_amf3 = 17,
  data_amf0 = 18,
  shared_object_amf0 = 19,
  command_amf0 = 20,
  aggregate = 22,
};

// RTMP 7.1.7 user control event types.
enum class UserControlEvent : uint16_t {
  stream_begin = 0,
  stream_eof = 1,
  stream_dry = 2,
  set_buffer_length = 3,
  stream_is_recorded = 4,
  ping_request = 6,
  ping_response = 7,
};

// Chunk stream ids we send on. 2 is reserved for protocol control (RTMP 5.3.1.1);
// the others follow what Flash Media Server and nginx-rtmp use, so captures compare.
// RTMP 5.3.1.3: a timestamp field of 0xFFFFFF says the real one follows in 32 bits.
inline constexpr uint32_t kExtendedTimestamp = 0xFFFFFF;

inline constexpr uint32_t kControlChunkStream = 2;
inline constexpr uint32_t kCommandChunkStream = 3;
inline constexpr uint32_t kAudioChunkStream = 4;
inline constexpr uint32_t kVideoChunkStream = 6;
inline constexpr uint32_t kDataChunkStream = 5;

struct MessageHeader {
  uint32_t chunk_stream = kCommandChunkStream;
  uint32_t timestamp = 0;  // milliseconds, as on the wire (wraps at 2^32)
  uint8_t type = 0;
  uint32_t stream_id = 0;
};

struct Message {
  MessageHeader header;
  Buffer payload;
  MessageType type() const { return MessageType(header.type); }
};

// Audio, video or data (metadata) from the peer, as on the wire.
struct MediaMessage {
  Message message;
};

}  // namespace relaycast::rtmp
