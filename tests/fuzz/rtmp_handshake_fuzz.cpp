// RTMP 5.2 server handshake fed whatever a client sends, in any slices: it must never
// take bytes past C2, answer exactly once with S0 S1 S2, and fail for good.
#include "fuzz_support.hpp"
#include "protocol/rtmp/handshake.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  rtmp::ServerHandshake handshake(1234, [](std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(i * 31 + 7);
  });
  size_t taken_total = 0;
  size_t answered = 0;
  bool failed = false;
  fuzz::for_each_slice(input, size ? data[size - 1] : 0, 2000, [&](std::span<const uint8_t> slice) {
    if (failed || handshake.done()) return;
    auto taken = handshake.feed(slice);
    if (!taken) {
      failed = true;
      FUZZ_CHECK(!handshake.feed(slice));  // stays failed
      return;
    }
    FUZZ_CHECK(*taken <= slice.size());
    taken_total += *taken;
    FUZZ_CHECK(taken_total <= rtmp::handshake_size);
    // Whatever is not taken belongs to the chunk stream: only after C2.
    if (*taken < slice.size()) FUZZ_CHECK(handshake.done());
    const auto out = handshake.take_output();
    if (!out.empty()) {
      FUZZ_CHECK(out.size() == rtmp::handshake_size);
      FUZZ_CHECK(out[0] == rtmp::rtmp_version);
      ++answered;
    }
  });
  FUZZ_CHECK(answered <= 1);
  if (handshake.done()) FUZZ_CHECK(taken_total == rtmp::handshake_size && answered == 1);
  return 0;
}
