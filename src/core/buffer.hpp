#pragma once
// Immutable, reference-counted byte buffers: the one payload type on the media path.
// A Buffer is a view (offset, length) into a shared block; slicing never copies, and a
// block lives as long as any slice of it. Blocks are written once, through
// BufferBuilder, and frozen before anyone else can see them, so readers on any thread
// need no lock.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

namespace relaycast {

class Buffer {
public:
  Buffer() = default;

  // Copies `bytes` into a new block. For control messages and tests; media payloads
  // are built in place with BufferBuilder.
  static Buffer copy_of(std::span<const uint8_t> bytes) {
    auto block = std::make_shared_for_overwrite<uint8_t[]>(bytes.size());
    if (!bytes.empty()) std::memcpy(block.get(), bytes.data(), bytes.size());
    return Buffer(std::move(block), 0, bytes.size());
  }
  static Buffer copy_of(std::string_view text) {
    return copy_of(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }

  // A buffer over memory someone else owns: `block` keeps it alive (its deleter frees
  // it: a file mapping, for instance).
  static Buffer adopt(std::shared_ptr<const uint8_t[]> block, size_t size) { return Buffer(std::move(block), 0, size); }
  const uint8_t* data() const { return block_.get() + offset_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data(), size_}; }
  uint8_t operator[](size_t i) const { return data()[i]; }

  // A view of [offset, offset + length) sharing this block; clamped to this buffer.
  Buffer slice(size_t offset, size_t length = SIZE_MAX) const {
    if (offset > size_) offset = size_;
    if (length > size_ - offset) length = size_ - offset;
    return Buffer(block_, offset_ + offset, length);
  }

private:
  friend class BufferBuilder;
  Buffer(std::shared_ptr<const uint8_t[]> block, size_t offset, size_t size)
      : block_(std::move(block)), offset_(offset), size_(size) {}

  std::shared_ptr<const uint8_t[]> block_;
  size_t offset_ = 0;
  size_t size_ = 0;
};

// A block of fixed capacity, written in place and then frozen into a Buffer.
class BufferBuilder {
public:
  explicit BufferBuilder(size_t capacity)
      : block_(std::make_shared_for_overwrite<uint8_t[]>(capacity)), capacity_(capacity) {}

  uint8_t* data() { return block_.get(); }
  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }
  std::span<uint8_t> unwritten() { return {block_.get() + size_, capacity_ - size_}; }
  void commit(size_t n) { size_ += n; }
  void append(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;  // an empty span may have a null data(): memcpy must not see it
    std::memcpy(block_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }

  // The builder must not be written after this.
  Buffer freeze() && { return Buffer(std::move(block_), 0, size_); }

private:
  std::shared_ptr<uint8_t[]> block_;
  size_t capacity_;
  size_t size_ = 0;
};

}  // namespace relaycast
