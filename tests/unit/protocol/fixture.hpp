#pragma once
// Reads the recorded RTMP sessions in tests/fixtures/rtmp.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace relaycast::testing {

inline std::vector<uint8_t> read_fixture(const std::string& name) {
  std::ifstream in(std::string(RELAYCAST_FIXTURES_DIR) + "/rtmp/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The handshake (C0 C1 C2 or S0 S1 S2) before the chunk stream.
inline constexpr size_t kHandshakeBytes = 3073;

}  // namespace relaycast::testing
