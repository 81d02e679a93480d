// The fragmented-MP4 index over hostile files (a recording directory is writable by
// whoever can put a file there, and repair runs over every file at start): it must
// never read outside the bytes, and what it reports must lie inside them, in order.
#include "format/fmp4_file_index.hpp"
#include "fuzz_support.hpp"
#include "record/vod_playlist.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto index = fmp4::index_fragmented_mp4({data, size});
  if (!index) return 0;
  FUZZ_CHECK(index->init_size <= size);
  FUZZ_CHECK(index->complete_size <= size);
  uint64_t next = index->init_size;
  for (const auto& f : index->fragments) {
    FUZZ_CHECK(f.offset >= next);
    FUZZ_CHECK(f.offset + f.size <= size);
    FUZZ_CHECK(f.duration >= 0 && f.duration <= fmp4::kMaxFragmentTicks && f.start >= 0);
    next = f.offset + f.size;
  }
  (void)record::vod_playlist(*index, {.media_uri = "a.mp4", .segment_target = 180000});
  return 0;
}
