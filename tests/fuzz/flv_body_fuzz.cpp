// One FLV tag body (= RTMP audio/video/data message body) to a MediaPacket, as every
// publish does for every frame: the payload is a slice of the body, and the body header
// written back for it fits kMaxBodyPrefix.
#include <cstring>

#include "format/flv.hpp"
#include "fuzz_support.hpp"
#include "media/codec_summary.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the tag type; mostly audio, video and script.
  const uint8_t type = data[0] % 4 == 0 ? flv::kTagAudio : data[0] % 4 == 1 ? flv::kTagVideo
                       : data[0] % 4 == 2 ? flv::kTagScript : data[0];
  const Buffer body = Buffer::copy_of(std::span(data + 1, size - 1));
  auto packet = flv::body_to_packet(type, 0x7fffffffu + size, body);
  if (!packet) return 0;
  FUZZ_CHECK(packet->payload.size() <= body.size());
  if (!packet->payload.empty()) {
    // A slice of the body, never a copy.
    FUZZ_CHECK(packet->payload.data() >= body.data());
    FUZZ_CHECK(packet->payload.data() + packet->payload.size() <= body.data() + body.size());
  }
  FUZZ_CHECK(packet->pts >= packet->dts - ms_to_ticks(1 << 23));  // CompositionTime is SI24
  if (packet->config) (void)describe_config(*packet);
  // Script payloads are not re-framed (a second "@setDataFrame" would be sliced off too).
  if (flv::carries(packet->codec) && packet->codec != Codec::script) {
    uint8_t prefix[flv::kMaxBodyPrefix + 8];
    std::memset(prefix, 0xee, sizeof prefix);
    const size_t n = flv::body_prefix(*packet, prefix);
    FUZZ_CHECK(n <= flv::kMaxBodyPrefix);
    FUZZ_CHECK(prefix[flv::kMaxBodyPrefix] == 0xee);
    // Header + payload back through the parser: the same packet.
    std::vector<uint8_t> rebuilt(prefix, prefix + n);
    rebuilt.insert(rebuilt.end(), packet->payload.span().begin(), packet->payload.span().end());
    auto back = flv::body_to_packet(flv::tag_type(packet->kind), uint32_t(ticks_to_ms(packet->dts)),
                                    Buffer::copy_of(rebuilt));
    if (back) {
      FUZZ_CHECK(back->codec == packet->codec && back->config == packet->config);
      // Config packets are written with no composition time and as key frames.
      if (!packet->config) {
        FUZZ_CHECK(back->keyframe == packet->keyframe);
        FUZZ_CHECK(back->pts - back->dts == packet->pts - packet->dts);
      }
      FUZZ_CHECK(back->payload.size() == packet->payload.size());
    }
  }
  return 0;
}
