#pragma once
// Writing ISO BMFF boxes (ISO/IEC 14496-12 4.2) into a byte vector.
//
//   aligned(8) class Box (unsigned int(32) boxtype) {
//     unsigned int(32) size;   // of the whole box, header included
//     unsigned int(32) type;
//   }
//   aligned(8) class FullBox (boxtype, unsigned int(8) v, bit(24) f) extends Box(boxtype) {
//     unsigned int(8) version = v;
//     bit(24) flags = f;
//   }
//
// A box's size is known only once its children are written, so a Box writes a
// placeholder and patches it when it goes out of scope: nesting in the code mirrors
// nesting in the file.
#include <cassert>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/byte_io.hpp"

namespace relaycast::fmp4 {

class Box {
public:
  // `type` is a four-character code ("moov").
  Box(std::vector<uint8_t>& out, std::string_view type) : out_(out), start_(out.size()) {
    assert(type.size() == 4);
    ByteWriter w(out_);
    w.u32be(0);
    w.text(type);
  }
  Box(std::vector<uint8_t>& out, std::string_view type, uint8_t version, uint32_t flags) : Box(out, type) {
    ByteWriter(out_).u32be(uint32_t(version) << 24 | (flags & 0xffffff));
  }
  ~Box() {
    // Init segments and fragments are far below 4 GiB; the callers bound what they
    // put in a box, so the 32-bit size never needs the 64-bit largesize form.
    assert(out_.size() - start_ <= UINT32_MAX);
    store_u32be(out_.data() + start_, uint32_t(out_.size() - start_));
  }
  Box(const Box&) = delete;
  Box& operator=(const Box&) = delete;

  // Offset of the box's first byte in the output vector.
  size_t start() const { return start_; }

private:
  std::vector<uint8_t>& out_;
  size_t start_;
};

}  // namespace relaycast::fmp4
