// The FLV demuxer (files, HTTP-FLV responses) fed arbitrary bytes in arbitrary slices,
// then every tag it hands out converted to a MediaPacket as the ingest does.
#include <vector>

#include "format/flv.hpp"
#include "fuzz_support.hpp"
#include "media/codec_summary.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  constexpr size_t kMaxTag = 64 * 1024;
  flv::FlvReader reader(kMaxTag);
  std::vector<flv::Tag> tags;
  bool failed = false;
  size_t fed = 0;
  fuzz::for_each_slice({data + 1, size - 1}, data[0], 300, [&](std::span<const uint8_t> slice) {
    if (failed) return;
    fed += slice.size();
    if (!reader.feed(slice, tags)) {
      failed = true;
      FUZZ_CHECK(!reader.feed(slice, tags));  // an error is final
      FUZZ_CHECK(!reader.at_boundary());
    }
  });
  size_t body_bytes = 0;
  for (const auto& tag : tags) {
    FUZZ_CHECK(tag.body.size() <= kMaxTag);
    body_bytes += tag.body.size() + flv::kTagHeaderSize;
    auto packet = flv::body_to_packet(tag.type, tag.timestamp_ms, tag.body);
    if (packet && packet->config) (void)describe_config(*packet);
  }
  FUZZ_CHECK(body_bytes <= fed);
  return 0;
}
