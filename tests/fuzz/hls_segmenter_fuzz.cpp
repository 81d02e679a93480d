// The HLS packager fed arbitrary packet sequences (see packet_recipe.hpp): timestamps
// that jump and go back, keyframes anywhere or never, configs that change or break,
// publishers that stop and come back. It must not crash, its window stays bounded,
// and what it serves is well framed.
#include <vector>

#include "fuzz_support.hpp"
#include "hls/channel.hpp"
#include "hls/playlist.hpp"
#include "hls/segmenter.hpp"
#include "packet_recipe.hpp"

using namespace relaycast;

namespace {

// ISO/IEC 14496-12 4.2: a part is a moof box and an mdat box, their sizes adding up.
void check_fragment(std::span<const uint8_t> bytes) {
  FUZZ_CHECK(bytes.size() >= 16);
  const uint32_t moof = load_u32be(bytes.data());
  FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(bytes.data() + 4), 4) == "moof");
  FUZZ_CHECK(moof >= 8 && size_t(moof) + 8 <= bytes.size());
  const uint32_t mdat = load_u32be(bytes.data() + moof);
  FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(bytes.data() + moof + 4), 4) == "mdat");
  FUZZ_CHECK(size_t(moof) + mdat == bytes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::PacketRecipe recipe({data, size});
  hls::SegmenterOptions options;
  options.segment_target = ms_to_ticks(250 + 250 * (recipe.options & 7));
  options.part_target = ms_to_ticks(100 + 50 * ((recipe.options >> 3) & 7));
  options.window = 1 + (recipe.options >> 6);
  options.force_cut = options.segment_target * 3;
  hls::Segmenter segmenter(options, [](const std::string&) {});
  auto now = hls::Segmenter::Clock::time_point(std::chrono::seconds(1700000000));

  size_t steps = 0;
  while (auto step = recipe.next()) {
    if (++steps > 3000) break;
    if (step->end_of_stream) {
      segmenter.end_of_stream();
    } else {
      now += std::chrono::milliseconds(ticks_to_ms(std::max<int64_t>(0, step->packet.dts % 90000)) % 50);
      segmenter.push(step->packet, now);
    }
    const auto& segments = segmenter.segments();
    // The window, one for late players, and the open one.
    FUZZ_CHECK(segments.size() <= options.window + 2);
    for (size_t i = 1; i < segments.size(); ++i) FUZZ_CHECK(segments[i].msn == segments[i - 1].msn + 1);
    for (const auto& s : segments) {
      if (s.complete) FUZZ_CHECK(s.ts.size() % 188 == 0);
      for (const auto& part : s.parts) check_fragment(part.bytes.span());
    }
    if (steps % 16 == 0) {
      (void)hls::render_ts_playlist(segmenter, "e1");
      (void)hls::render_ll_playlist(segmenter, "e1");
    }
  }
  segmenter.end_of_stream();
  (void)hls::render_ts_playlist(segmenter, "e1");
  (void)hls::render_ll_playlist(segmenter, "e1");
  return 0;
}
