// The file names an HLS client may ask a stream's folder for (<epoch>-<msn>.ts,
// <epoch>-<msn>.<part>.m4s, <epoch>-init<v>.mp4, ...), and the blocking reload
// parameters, against a channel with a few segments: any name is answered without
// crashing, and only names of what exists are ready.
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hls/channel.hpp"
#include "hls/playlist.hpp"
#include "packet_recipe.hpp"

using namespace relaycast;

namespace {

// A channel "e1" with about three 1 s segments of 15 fps video and AAC, still live.
hls::Channel& channel() {
  static hls::Channel* c = [] {
    auto* ch = new hls::Channel("live/cam", {.segment_target = ms_to_ticks(1000), .part_target = ms_to_ticks(334)},
                                "e1");
    MediaPacket video_config{.kind = TrackKind::video, .codec = Codec::h264, .config = true,
                             .payload = Buffer::copy_of(fuzz::kAvcConfig)};
    MediaPacket audio_config{.kind = TrackKind::audio, .codec = Codec::aac, .config = true,
                             .payload = Buffer::copy_of(fuzz::kAacConfig)};
    ch->push(video_config);
    ch->push(audio_config);
    const uint8_t idr[] = {0, 0, 0, 4, 0x65, 0x88, 0x80, 0x40};
    const uint8_t slice[] = {0, 0, 0, 4, 0x41, 0x9a, 0x00, 0x10};
    const uint8_t aac[] = {0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c};
    for (int i = 0; i < 50; ++i) {
      const int64_t dts = ms_to_ticks(i * 66);
      ch->push({.kind = TrackKind::video, .codec = Codec::h264, .dts = dts, .pts = dts, .keyframe = i % 15 == 0,
                .payload = Buffer::copy_of(i % 15 == 0 ? std::span<const uint8_t>(idr) : slice)});
      ch->push({.kind = TrackKind::audio, .codec = Codec::aac, .dts = dts + 10, .pts = dts + 10, .keyframe = true,
                .payload = Buffer::copy_of(aac)});
    }
    return ch;
  }();
  return *c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  auto& c = channel();
  const auto found = c.file(name);
  if (found.availability == hls::Availability::ready) {
    FUZZ_CHECK(name.starts_with("e1-"));
    FUZZ_CHECK(!found.bytes.empty() && !found.content_type.empty());
  } else {
    FUZZ_CHECK(found.bytes.empty());
  }
  // _HLS_msn / _HLS_part as the route reads them: any pair of numbers.
  if (size >= 12) {
    const uint64_t msn = load_u64be(data);
    const uint32_t part = load_u32be(data + 8);
    (void)c.playlist_ready(msn, part);
    (void)c.playlist_ready(msn % 8, std::nullopt);
    (void)c.playlist_ready(msn % 8, part % 8);
  }
  return 0;
}
