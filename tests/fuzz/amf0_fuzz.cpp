// AMF0 decoding of hostile bytes (RTMP command and data bodies, FLV script tags). What
// decodes must encode, and decoding that encoding must give the same bytes again
// (bytes rather than values: NaN != NaN, and a long string re-encodes as a short one).
#include <vector>

#include "format/amf0.hpp"
#include "fuzz_support.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto values = amf0::decode_all({data, size});
  if (!values) return 0;
  for (const auto& v : *values) (void)amf0::to_string(v);

  std::vector<uint8_t> once;
  amf0::encode_all(*values, once);
  auto again = amf0::decode_all(once);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->size() == values->size());
  std::vector<uint8_t> twice;
  amf0::encode_all(*again, twice);
  FUZZ_CHECK(once == twice);

  // One value at a time through a reader, as the command parser does: the same count.
  ByteReader reader({data, size});
  size_t count = 0;
  while (!reader.empty()) {
    const size_t before = reader.remaining();
    auto v = amf0::decode(reader);
    FUZZ_CHECK(v.has_value());
    FUZZ_CHECK(reader.remaining() < before);  // every value takes at least its marker
    ++count;
  }
  FUZZ_CHECK(count == values->size());
  return 0;
}
