#pragma once
// The input of the muxer and packager targets: not wire bytes but a recipe for a
// sequence of structurally valid MediaPackets (real codec configs, AVCC frames whose NAL
// lengths add up), so that the fuzzer explores timestamps, keyframes, config changes and
// track layouts instead of failing the first length check. tests/fuzz/make_corpus.py
// writes seeds in this format.
//
//   header   u8 options (target-specific), u8 more options
//   records  8 bytes each, until the input ends:
//     u8  flags     bit0 video (else audio), bit1 keyframe, bit2 config, bit3 end of
//                   stream (no packet), bit4 broken (a config with one byte changed, a
//                   frame whose NAL lengths do not add up)
//     u8  dts step  ms after the previous packet
//     i8  cts       composition offset, ms
//     u8  detail    video: the NAL header byte of the frame; broken config: which byte
//     u16 size      payload bytes (at most 4096)
//     u16 backstep  ms the dts goes back by (a publisher's clock jumping)
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/buffer.hpp"
#include "core/byte_io.hpp"
#include "fuzz_support.hpp"
#include "media/media_packet.hpp"

namespace relaycast::fuzz {

struct RecipeStep {
  bool end_of_stream = false;
  MediaPacket packet;
};

class PacketRecipe {
public:
  explicit PacketRecipe(std::span<const uint8_t> input) : reader_(input) {
    options = reader_.u8().value_or(0);
    more_options = reader_.u8().value_or(0);
    // Start anywhere in the 32-bit millisecond range RTMP timestamps live in.
    dts_ = ms_to_ticks(int64_t(more_options) << 24);
  }

  uint8_t options = 0;
  uint8_t more_options = 0;

  std::optional<RecipeStep> next() {
    auto record = reader_.bytes(8);
    if (!record) return std::nullopt;
    const uint8_t* r = record->data();
    const uint8_t flags = r[0];
    const int64_t step = r[1];
    const int64_t cts = int8_t(r[2]);
    const uint8_t detail = r[3];
    const size_t size = load_u16be(r + 4) % 4097;
    const int64_t backstep = load_u16be(r + 6);
    RecipeStep out;
    if (flags & 8) {
      out.end_of_stream = true;
      return out;
    }
    const bool video = flags & 1;
    const bool broken = flags & 16;
    dts_ += ms_to_ticks(step - backstep);
    MediaPacket& p = out.packet;
    p.kind = video ? TrackKind::video : TrackKind::audio;
    p.codec = video ? Codec::h264 : Codec::aac;
    p.dts = dts_;
    p.pts = dts_ + ms_to_ticks(cts);
    p.config = flags & 4;
    p.keyframe = !p.config && (video ? (flags & 2) != 0 : true);
    if (p.config) {
      std::vector<uint8_t> config = video ? std::vector<uint8_t>(std::begin(kAvcConfig), std::end(kAvcConfig))
                                          : std::vector<uint8_t>(std::begin(kAacConfig), std::end(kAacConfig));
      if (broken) config[detail % config.size()] ^= uint8_t(size | 1);
      p.payload = Buffer::copy_of(config);
    } else if (video) {
      p.payload = Buffer::copy_of(frame(size, detail, broken));
    } else {
      std::vector<uint8_t> aac(size, uint8_t(0x21));
      p.payload = Buffer::copy_of(aac);
    }
    return out;
  }

private:
  // One or two AVCC NAL units of `size` bytes in all, the first with header `nal_header`.
  static std::vector<uint8_t> frame(size_t size, uint8_t nal_header, bool broken) {
    std::vector<uint8_t> out;
    ByteWriter w(out);
    if (size < 5) return std::vector<uint8_t>(size, nal_header);
    const size_t first = size >= 64 ? size / 2 : size - 4;
    w.u32be(uint32_t(first - 4 + (broken ? 1 : 0)));
    w.u8(nal_header);
    out.resize(first, 0x9a);
    if (size >= 64) {
      w.u32be(uint32_t(size - first - 4));
      w.u8(0x01);  // a non-IDR slice
      out.resize(size, 0x5c);
    }
    return out;
  }

  ByteReader reader_;
  int64_t dts_ = 0;
};

}  // namespace relaycast::fuzz
