#pragma once
// Reads the recorded RTMP sessions in tests/fixtures/rtmp.
#include <string>
#include <vector>

#include "../fixture_file.hpp"
#include "protocol/rtmp/message.hpp"

namespace relaycast::test {

inline std::vector<uint8_t> read_rtmp_fixture(const std::string& name) { return read_fixture("rtmp/" + name); }

// The handshake (C0 C1 C2 or S0 S1 S2) before the chunk stream.
inline constexpr size_t kHandshakeBytes = 3073;

// Deterministic bytes for message bodies.
inline std::vector<uint8_t> pattern(size_t n, uint8_t seed = 1) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed + i * 7 + (i >> 8));
  return b;
}

inline std::vector<uint8_t> payload_of(const rtmp::Message& m) {
  return {m.payload.span().begin(), m.payload.span().end()};
}

}  // namespace relaycast::test
