#pragma once
// What the HLS packager keeps of a stream: segments with their MPEG-TS bytes and their
// fMP4 partial segments, in memory, shared by every viewer.
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/buffer.hpp"

namespace relaycast::hls {

struct Part {
  int64_t start = 0;     // dts, 90 kHz ticks
  int64_t duration = 0;  // ticks
  bool independent = false;  // starts with a keyframe (RFC 8216bis 4.4.4.9 INDEPENDENT)
  Buffer bytes;              // moof + mdat
};

struct Segment {
  uint64_t msn = 0;  // media sequence number
  int64_t start = 0;
  int64_t duration = 0;  // set when complete
  std::chrono::system_clock::time_point program_date_time;
  bool discontinuity = false;  // first segment after a publisher restart or a codec change
  // Starts with a keyframe (or is audio only): decodable without the segment before it.
  // A cut forced on a stream without keyframes is not (EXT-X-INDEPENDENT-SEGMENTS).
  bool independent = true;
  uint32_t init_version = 0;   // which fMP4 initialization segment applies
  bool complete = false;
  Buffer ts;                // the MPEG-TS segment, when complete
  std::vector<Part> parts;  // the fMP4 segment is these, back to back
};

}  // namespace relaycast::hls
