#include "core/byte_io.hpp"

#include <gtest/gtest.h>

#include "core/buffer.hpp"

namespace relaycast {
namespace {

TEST(ByteReader, ReadsBigAndLittleEndianFields) {
  const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ByteReader r(bytes);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16be(), 0x0203);
  EXPECT_EQ(r.u24be(), 0x040506u);
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(r.u32le(), std::nullopt) << "a read past the end must fail, not read garbage";
  EXPECT_EQ(r.remaining(), 3u) << "a failed read must not move the position";
  EXPECT_EQ(r.u24be(), 0x070809u);
  EXPECT_TRUE(r.empty());
}

TEST(ByteWriter, WritesWhatReaderReads) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  w.u32be(0xdeadbeef);
  w.u32le(0x01020304);
  w.u64be(0x1122334455667788ull);
  ByteReader r(out);
  EXPECT_EQ(r.u32be(), 0xdeadbeefu);
  EXPECT_EQ(r.u32le(), 0x01020304u);
  EXPECT_EQ(r.u64be(), 0x1122334455667788ull);
}

TEST(Buffer, SliceSharesTheBlockAndClamps) {
  auto b = Buffer::copy_of(std::string_view("hello world"));
  auto s = b.slice(6);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(s.data()), s.size()), "world");
  EXPECT_EQ(s.data(), b.data() + 6) << "slicing must not copy";
  EXPECT_EQ(b.slice(100).size(), 0u);
  EXPECT_EQ(b.slice(3, 100).size(), 8u);
}

}  // namespace
}  // namespace relaycast
