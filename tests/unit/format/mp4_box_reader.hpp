#pragma once
// Test-only: ISO BMFF boxes (ISO/IEC 14496-12 4.2) parsed back into a tree, so muxer
// tests can check structure and fields. Inconsistent sizes are reported as test
// failures; it is no model for a demuxer of hostile input.
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_io.hpp"

namespace relaycast::test {

struct Mp4Box {
  std::string type;
  size_t offset = 0;  // of the box's first byte in the parsed bytes
  size_t size = 0;    // whole box, header included
  std::span<const uint8_t> body;  // after the size/type header
  std::vector<Mp4Box> children;

  // FullBox fields.
  uint8_t version() const { return body.empty() ? 0 : body[0]; }
  uint32_t flags() const { return body.size() < 4 ? 0 : load_u24be(body.data() + 1); }
  // A reader positioned after the FullBox version/flags.
  ByteReader full_body() const { return ByteReader(body.subspan(std::min<size_t>(4, body.size()))); }

  const Mp4Box* child(std::string_view child_type) const {
    for (const auto& c : children) {
      if (c.type == child_type) return &c;
    }
    return nullptr;
  }
  std::vector<const Mp4Box*> all(std::string_view child_type) const {
    std::vector<const Mp4Box*> out;
    for (const auto& c : children) {
      if (c.type == child_type) out.push_back(&c);
    }
    return out;
  }
  // "mdia/minf/stbl": the first match at each level, or nullptr.
  const Mp4Box* path(std::string_view p) const {
    const Mp4Box* box = this;
    while (box && !p.empty()) {
      const size_t slash = p.find('/');
      box = box->child(p.substr(0, slash));
      p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
    }
    return box;
  }
};

// Where a box's children start within its body, for the boxes that have children;
// npos for leaves.
inline size_t children_offset(std::string_view type) {
  for (auto container : {"moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf", "edts"}) {
    if (type == container) return 0;
  }
  if (type == "stsd" || type == "dref") return 8;  // FullBox + entry_count
  if (type == "avc1" || type == "hvc1") return 78;  // VisualSampleEntry fields
  if (type == "mp4a") return 28;                   // AudioSampleEntry fields
  return std::string_view::npos;
}

// Boxes that exactly fill `bytes` (which start at `base` in the file), with their
// children parsed recursively.
inline std::vector<Mp4Box> read_boxes(std::span<const uint8_t> bytes, size_t base = 0) {
  std::vector<Mp4Box> boxes;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 8) {
      ADD_FAILURE() << "box header cut off at offset " << base + pos;
      break;
    }
    Mp4Box box;
    box.offset = base + pos;
    box.size = load_u32be(bytes.data() + pos);
    box.type.assign(reinterpret_cast<const char*>(bytes.data() + pos + 4), 4);
    if (box.size < 8 || box.size > bytes.size() - pos) {
      ADD_FAILURE() << "box '" << box.type << "' at offset " << box.offset << " has size " << box.size << ", "
                    << bytes.size() - pos << " bytes left in its parent";
      break;
    }
    box.body = bytes.subspan(pos + 8, box.size - 8);
    if (const size_t skip = children_offset(box.type); skip != std::string_view::npos) {
      if (skip > box.body.size()) {
        ADD_FAILURE() << "box '" << box.type << "' is too short for its fields";
      } else {
        box.children = read_boxes(box.body.subspan(skip), box.offset + 8 + skip);
      }
    }
    pos += box.size;
    boxes.push_back(std::move(box));
  }
  return boxes;
}

inline std::vector<std::string> types_of(const std::vector<Mp4Box>& boxes) {
  std::vector<std::string> out;
  for (const auto& b : boxes) out.push_back(b.type);
  return out;
}

}  // namespace relaycast::test
