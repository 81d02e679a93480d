#pragma once
// Bodies of RTMP protocol control messages (RTMP 5.4) and user control events (7.1.7).
#include <cstdint>
#include <vector>

#include "protocol/rtmp/message.hpp"

namespace relaycast::rtmp {

// Appends the chunked message (header + body) to `out`.
void write_set_chunk_size(uint32_t size, uint32_t chunk_size, std::vector<uint8_t>& out);
void write_window_ack_size(uint32_t size, uint32_t chunk_size, std::vector<uint8_t>& out);
void write_acknowledgement(uint32_t sequence, uint32_t chunk_size, std::vector<uint8_t>& out);
// RTMP 5.4.5: limit type 0 hard, 1 soft, 2 dynamic.
void write_set_peer_bandwidth(uint32_t size, uint8_t limit_type, uint32_t chunk_size, std::vector<uint8_t>& out);
void write_user_control(UserControlEvent event, uint32_t value, uint32_t chunk_size, std::vector<uint8_t>& out);
// RTMP 7.1.7 Set Buffer Length: stream id, then the buffer in milliseconds.
void write_user_control_set_buffer_length(uint32_t stream_id, uint32_t ms, uint32_t chunk_size,
                                          std::vector<uint8_t>& out);

}  // namespace relaycast::rtmp
