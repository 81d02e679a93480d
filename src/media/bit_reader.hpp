#pragma once
// MSB-first bit reader for codec bitstreams (H.264 RBSP, AAC AudioSpecificConfig).
//
// Errors are sticky: the first read that runs out of bits (or meets an Exp-Golomb
// code longer than the reader allows) puts the reader in an error state, and that
// read and every later one return 0. A parser can therefore read a whole structure
// field by field and check error() once at the end, as the spec's syntax tables read
// top-down; values read before the failure are real, so range checks on them stay
// meaningful, and the zeros after it keep every loop bound small.
#include <cstddef>
#include <cstdint>
#include <span>

namespace relaycast {

enum class BitError : uint8_t {
  none,
  end_of_data,  // a read needed more bits than were left
  malformed,    // Exp-Golomb code with more than 31 leading zeros, or a bad read width
};

class BitReader {
public:
  explicit BitReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  // u(n): the next n bits as an unsigned number, n in 0..32.
  uint32_t u(int n);
  bool flag() { return u(1) != 0; }
  // ue(v) and se(v), ITU-T H.264 9.1 and 9.1.1.
  uint32_t ue();
  int32_t se();
  void skip(size_t bits);

  BitError error() const { return error_; }
  bool ok() const { return error_ == BitError::none; }
  size_t position() const { return pos_; }  // in bits
  size_t bits_left() const { return bytes_.size() * 8 - pos_; }
  bool byte_aligned() const { return pos_ % 8 == 0; }

private:
  void fail(BitError e) {
    if (error_ == BitError::none) error_ = e;
    pos_ = bytes_.size() * 8;
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  BitError error_ = BitError::none;
};

}  // namespace relaycast
