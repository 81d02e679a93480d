#pragma once
// Explicit-endian reads and writes of wire fields. Wire formats never memcpy into an
// integer: every field goes through one of these, so byte order is visible at the call.
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace relaycast {

inline uint16_t load_u16be(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_u24be(const uint8_t* p) { return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]; }
inline uint32_t load_u32be(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint32_t load_u32le(const uint8_t* p) {
  return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}
inline uint64_t load_u64be(const uint8_t* p) { return uint64_t(load_u32be(p)) << 32 | load_u32be(p + 4); }

inline void store_u16be(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void store_u24be(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 16); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v); }
inline void store_u32be(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
inline void store_u32le(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v >> 16); p[3] = uint8_t(v >> 24);
}
inline void store_u64be(uint8_t* p, uint64_t v) { store_u32be(p, uint32_t(v >> 32)); store_u32be(p + 4, uint32_t(v)); }

// Bounds-checked sequential reader over a byte span. Every read returns nullopt (and
// leaves the position unchanged) when the bytes are not there, so parsers of hostile
// input can never read past the end.
class ByteReader {
public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  std::span<const uint8_t> rest() const { return bytes_.subspan(pos_); }

  std::optional<uint8_t> u8() { return take<uint8_t, 1>([](const uint8_t* p) { return p[0]; }); }
  std::optional<uint16_t> u16be() { return take<uint16_t, 2>(load_u16be); }
  std::optional<uint32_t> u24be() { return take<uint32_t, 3>(load_u24be); }
  std::optional<uint32_t> u32be() { return take<uint32_t, 4>(load_u32be); }
  std::optional<uint32_t> u32le() { return take<uint32_t, 4>(load_u32le); }
  std::optional<uint64_t> u64be() { return take<uint64_t, 8>(load_u64be); }
  std::optional<std::span<const uint8_t>> bytes(size_t n) {
    if (remaining() < n) return std::nullopt;
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

private:
  template <class T, size_t N, class F>
  std::optional<T> take(F load) {
    if (remaining() < N) return std::nullopt;
    T v = load(bytes_.data() + pos_);
    pos_ += N;
    return v;
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

// Appending writer into a growable byte vector.
class ByteWriter {
public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(v); }
  void u16be(uint16_t v) { store_u16be(grow(2), v); }
  void u24be(uint32_t v) { store_u24be(grow(3), v); }
  void u32be(uint32_t v) { store_u32be(grow(4), v); }
  void u32le(uint32_t v) { store_u32le(grow(4), v); }
  void u64be(uint64_t v) { store_u64be(grow(8), v); }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void text(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }

private:
  uint8_t* grow(size_t n) {
    out_.resize(out_.size() + n);
    return out_.data() + out_.size() - n;
  }
  std::vector<uint8_t>& out_;
};

}  // namespace relaycast
