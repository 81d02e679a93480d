#include "media/bit_reader.hpp"

namespace relaycast {

uint32_t BitReader::u(int n) {
  if (n < 0 || n > 32) {
    fail(BitError::malformed);
    return 0;
  }
  if (!ok() || size_t(n) > bits_left()) {
    fail(BitError::end_of_data);
    return 0;
  }
  // 64 bits so that a 32-bit read needs no special case for the shift.
  uint64_t value = 0;
  while (n > 0) {
    const unsigned offset = pos_ % 8;
    const int take = n < int(8 - offset) ? n : int(8 - offset);
    const unsigned byte = bytes_[pos_ / 8];
    const unsigned bits = (byte >> (8 - offset - take)) & ((1u << take) - 1);
    value = value << take | bits;
    pos_ += take;
    n -= take;
  }
  return uint32_t(value);
}

// ITU-T H.264 9.1: leadingZeroBits zeros, a one, then leadingZeroBits more bits;
// codeNum = 2^leadingZeroBits - 1 + those bits. 31 zeros already give codeNum up to
// 2^32 - 2, the most any ue(v) field holds; more is not a valid code.
uint32_t BitReader::ue() {
  int leading_zeros = 0;
  while (true) {
    if (!ok() || bits_left() == 0) {
      fail(BitError::end_of_data);
      return 0;
    }
    if (flag()) break;
    if (++leading_zeros > 31) {
      fail(BitError::malformed);
      return 0;
    }
  }
  const uint64_t value = (uint64_t(1) << leading_zeros) - 1 + u(leading_zeros);
  return ok() ? uint32_t(value) : 0;
}

// ITU-T H.264 9.1.1, Table 9-3: codeNum k maps to (-1)^(k+1) * Ceil(k / 2).
int32_t BitReader::se() {
  const uint64_t k = ue();
  const int64_t magnitude = int64_t((k + 1) / 2);
  return int32_t(k % 2 == 1 ? magnitude : -magnitude);
}

void BitReader::skip(size_t bits) {
  if (!ok() || bits > bits_left()) {
    fail(BitError::end_of_data);
    return;
  }
  pos_ += bits;
}

}  // namespace relaycast
