#pragma once
// The bytes of a file under tests/fixtures, for the tests that read recorded sessions
// and encoder output; a missing file fails the test that asked for it.
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace relaycast::test {

inline std::vector<uint8_t> read_fixture(const std::string& relative_path) {
  std::ifstream in(std::string(RELAYCAST_FIXTURES_DIR) + "/" + relative_path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open fixture " << relative_path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Bytes written as a string literal; give the length, literals hold NULs.
inline std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace relaycast::test
