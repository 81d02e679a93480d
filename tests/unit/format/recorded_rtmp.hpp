#pragma once
// Test-only: the messages of a recorded RTMP session (tests/fixtures/rtmp), so format
// tests can run on real encoder output without depending on the protocol layer. It
// trusts its input (well-formed recordings) and is no model for a real chunk reader.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "../fixture_file.hpp"
#include "core/byte_io.hpp"

namespace relaycast::test {

struct RecordedMessage {
  uint8_t type = 0;
  uint32_t timestamp_ms = 0;
  uint32_t stream_id = 0;
  std::vector<uint8_t> body;
};

// C0 + C1 + C2 (or S0 + S1 + S2) precede the first chunk.
inline constexpr size_t kHandshakeSize = 1 + 1536 + 1536;

// RTMP 5.3 chunk stream, reassembled into messages; stops at the first chunk cut off.
inline std::vector<RecordedMessage> recorded_messages(const std::vector<uint8_t>& session) {
  struct ChunkStream {
    RecordedMessage msg;
    uint32_t length = 0, delta = 0;
    bool extended = false;
    bool in_message = false;
  };
  std::map<uint32_t, ChunkStream> streams;
  std::vector<RecordedMessage> out;
  size_t chunk_size = 128;
  size_t pos = kHandshakeSize;
  auto have = [&](size_t n) { return pos + n <= session.size(); };
  const uint8_t* d = session.data();
  while (have(1)) {
    const int fmt = d[pos] >> 6;
    uint32_t csid = d[pos++] & 0x3f;
    if (csid == 0) {
      if (!have(1)) break;
      csid = 64 + d[pos++];
    } else if (csid == 1) {
      if (!have(2)) break;
      csid = 64 + d[pos] + 256u * d[pos + 1];
      pos += 2;
    }
    auto& s = streams[csid];
    const size_t header = fmt == 0 ? 11 : fmt == 1 ? 7 : fmt == 2 ? 3 : 0;
    if (!have(header)) break;
    uint32_t ts = fmt <= 2 ? load_u24be(d + pos) : 0;
    if (fmt <= 1) {
      s.length = load_u24be(d + pos + 3);
      s.msg.type = d[pos + 6];
    }
    if (fmt == 0) s.msg.stream_id = load_u32le(d + pos + 7);
    pos += header;
    if (fmt <= 2) s.extended = ts == 0xffffff;
    if (s.extended) {
      if (!have(4)) break;
      ts = load_u32be(d + pos);
      pos += 4;
    }
    if (!s.in_message) {
      if (fmt == 0) {
        s.msg.timestamp_ms = ts;
        s.delta = 0;
      } else {
        if (fmt <= 2) s.delta = ts;
        s.msg.timestamp_ms += s.delta;
      }
      s.msg.body.clear();
      s.in_message = true;
    }
    const size_t take = std::min<size_t>(chunk_size, s.length - s.msg.body.size());
    if (!have(take)) break;
    s.msg.body.insert(s.msg.body.end(), d + pos, d + pos + take);
    pos += take;
    if (s.msg.body.size() == s.length) {
      s.in_message = false;
      if (s.msg.type == 1 && s.length >= 4) chunk_size = load_u32be(s.msg.body.data()) & 0x7fffffff;
      out.push_back(s.msg);
    }
  }
  return out;
}

}  // namespace relaycast::test
