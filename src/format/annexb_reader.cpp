#include "format/annexb_reader.hpp"

#include <algorithm>
#include <array>

namespace relaycast::annexb {
namespace {

// The offset of the next 00 00 01 at or after `from`, or size when there is none.
size_t find_start_code(std::span<const uint8_t> b, size_t from) {
  static constexpr std::array<uint8_t, 3> kStartCode = {0, 0, 1};
  auto it = std::search(b.begin() + ptrdiff_t(from), b.end(), kStartCode.begin(), kStartCode.end());
  return size_t(it - b.begin());
}

}  // namespace

void split_nal_units(std::span<const uint8_t> bytes, std::vector<std::span<const uint8_t>>& nals) {
  size_t start = find_start_code(bytes, 0);
  while (start < bytes.size()) {
    const size_t begin = start + 3;
    const size_t next = find_start_code(bytes, begin);
    // A 4-byte start code's zero_byte, and trailing_zero_8bits, belong to no NAL unit
    // (B.1.1): a NAL unit never ends in a zero byte (its rbsp_trailing_bits).
    size_t end = next;
    while (end > begin && bytes[end - 1] == 0) --end;
    if (end > begin) nals.push_back(bytes.subspan(begin, end - begin));
    start = next;
  }
}

}  // namespace relaycast::annexb
