#pragma once
// Test-only MSB-first bit writer, to build bitstreams with chosen (often absurd) field
// values that no encoder would produce.
#include <bit>
#include <cstdint>
#include <vector>

namespace relaycast::test {

class BitWriter {
public:
  void u(int n, uint64_t value) {
    for (int i = n - 1; i >= 0; --i) bits_.push_back((value >> i) & 1);
  }
  void flag(bool value) { u(1, value); }
  void ue(uint64_t value) {
    const uint64_t code = value + 1;
    const int length = std::bit_width(code);
    u(length - 1, 0);
    u(length, code);
  }
  void se(int64_t value) { ue(value > 0 ? uint64_t(2 * value - 1) : uint64_t(-2 * value)); }

  void align() {
    while (bits_.size() % 8 != 0) bits_.push_back(false);
  }

  // Pads with zero bits to a byte boundary.
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out((bits_.size() + 7) / 8, 0);
    for (size_t i = 0; i < bits_.size(); ++i) {
      if (bits_[i]) out[i / 8] |= uint8_t(0x80 >> (i % 8));
    }
    return out;
  }
  // rbsp_trailing_bits(): a stop bit, then zeros to the byte boundary.
  std::vector<uint8_t> rbsp() {
    flag(true);
    return bytes();
  }

private:
  std::vector<bool> bits_;
};

// The inverse of h264::remove_emulation_prevention: a 0x03 after two zero bytes
// whenever the next byte would complete a start code prefix (H.264 7.4.1).
inline std::vector<uint8_t> add_emulation_prevention(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out;
  int zeros = 0;
  for (uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push_back(0x03);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace relaycast::test
