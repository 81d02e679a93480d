// RTMP 5.3 chunk stream reader fed arbitrary bytes in arbitrary slices: messages never
// exceed the limits, and a protocol error is final.
#include "fuzz_support.hpp"
#include "protocol/rtmp/chunk_reader.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // Small limits so that the fuzzer reaches them.
  const rtmp::ChunkReaderLimits limits{
      .max_message_size = 64 * 1024, .max_chunk_size = 1 << 20, .max_open_messages = 4};
  rtmp::ChunkReader reader(limits);
  std::span<const uint8_t> input(data + 1, size - 1);
  size_t fed = 0;
  bool failed = false;
  size_t messages = 0;
  // Feed through prepare()/commit() on even seeds, feed() on odd ones: both paths run.
  const bool zero_copy = data[0] % 2 == 0;
  fuzz::for_each_slice(input, data[0], 700, [&](std::span<const uint8_t> slice) {
    if (failed) return;
    if (zero_copy) {
      auto room = reader.prepare(slice.size());
      FUZZ_CHECK(room.size() >= slice.size());
      std::copy(slice.begin(), slice.end(), room.begin());
      reader.commit(slice.size());
    } else {
      reader.feed(slice);
    }
    fed += slice.size();
    FUZZ_CHECK(reader.bytes_received() == fed);
    for (;;) {
      auto m = reader.next();
      if (!m) {
        failed = true;
        break;
      }
      if (!*m) break;
      ++messages;
      FUZZ_CHECK((*m)->payload.size() <= limits.max_message_size);
      FUZZ_CHECK(reader.chunk_size() >= 1 && reader.chunk_size() <= limits.max_chunk_size);
    }
    FUZZ_CHECK(reader.buffered() <= fed);
  });
  // Every message took at least a one-byte basic header.
  FUZZ_CHECK(messages <= fed);
  return 0;
}
