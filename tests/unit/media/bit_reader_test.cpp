#include "media/bit_reader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace relaycast {
namespace {

TEST(BitReader, ReadsMsbFirstAcrossByteBoundaries) {
  const uint8_t bytes[] = {0b1010'1100, 0b0101'0011, 0xff};
  BitReader r(bytes);
  EXPECT_EQ(r.u(1), 1u);
  EXPECT_EQ(r.u(3), 0b010u);
  EXPECT_EQ(r.u(6), 0b1100'01u);
  EXPECT_EQ(r.u(0), 0u);
  EXPECT_EQ(r.position(), 10u);
  EXPECT_EQ(r.u(14), 0b01'0011'1111'1111u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.bits_left(), 0u);
}

TEST(BitReader, ReadsThirtyTwoBitsAtAnyOffset) {
  const uint8_t bytes[] = {0xde, 0xad, 0xbe, 0xef, 0x80};
  BitReader r(bytes);
  EXPECT_EQ(r.u(32), 0xdeadbeefu);
  BitReader shifted(bytes);
  shifted.skip(4);
  EXPECT_EQ(shifted.u(32), 0xeadbeef8u);
  EXPECT_TRUE(shifted.ok());
}

TEST(BitReader, ReadingPastTheEndIsStickyAndReturnsZero) {
  const uint8_t bytes[] = {0xff};
  BitReader r(bytes);
  EXPECT_EQ(r.u(4), 0xfu);
  EXPECT_EQ(r.u(5), 0u) << "only 4 bits are left";
  EXPECT_EQ(r.error(), BitError::end_of_data);
  EXPECT_EQ(r.u(1), 0u) << "reads after an error return 0 even though bits were left";
  EXPECT_FALSE(r.flag());
  EXPECT_EQ(r.ue(), 0u);
  EXPECT_EQ(r.error(), BitError::end_of_data);
}

TEST(BitReader, RejectsReadWidthOverThirtyTwo) {
  const uint8_t bytes[] = {0, 0, 0, 0, 0, 0, 0, 0};
  BitReader r(bytes);
  EXPECT_EQ(r.u(33), 0u);
  EXPECT_EQ(r.error(), BitError::malformed);
  BitReader negative(bytes);
  EXPECT_EQ(negative.u(-1), 0u);
  EXPECT_FALSE(negative.ok());
}

// ITU-T H.264 Table 9-2 and 9-3: bit strings, their codeNum and the se(v) value.
TEST(BitReader, DecodesExpGolombCodes) {
  // 1 | 010 | 011 | 00100 | 00111 | 0001000 -> 0, 1, 2, 3, 6, 7, then padding ones.
  const uint8_t bytes[] = {0b1010'0110, 0b0100'0011, 0b1000'1000, 0b1111'1111};
  BitReader r(bytes);
  EXPECT_EQ(r.ue(), 0u);
  EXPECT_EQ(r.ue(), 1u);
  EXPECT_EQ(r.ue(), 2u);
  EXPECT_EQ(r.ue(), 3u);
  EXPECT_EQ(r.ue(), 6u);
  EXPECT_EQ(r.ue(), 7u);
  EXPECT_TRUE(r.ok());

  BitReader s(bytes);
  EXPECT_EQ(s.se(), 0);
  EXPECT_EQ(s.se(), 1);
  EXPECT_EQ(s.se(), -1);
  EXPECT_EQ(s.se(), 2);
  EXPECT_EQ(s.se(), -3);
  EXPECT_EQ(s.se(), 4);
}

TEST(BitReader, AcceptsThirtyOneLeadingZerosAndNoMore) {
  // 31 zeros, a one, 31 ones: the largest code, 2^32 - 2.
  const uint8_t longest[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe};
  BitReader r(longest);
  EXPECT_EQ(r.ue(), 0xfffffffeu);
  EXPECT_TRUE(r.ok());
  BitReader s(longest);
  EXPECT_EQ(s.se(), -2147483647);

  const uint8_t too_long[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00};
  BitReader t(too_long);
  EXPECT_EQ(t.ue(), 0u);
  EXPECT_EQ(t.error(), BitError::malformed);
}

TEST(BitReader, ExpGolombCutShortIsEndOfData) {
  const uint8_t zeros[] = {0x00, 0x00};
  BitReader r(zeros);
  EXPECT_EQ(r.ue(), 0u);
  EXPECT_EQ(r.error(), BitError::end_of_data);
  const uint8_t suffix_missing[] = {0b0001'0000};  // 000 1 then 3 bits wanted, 4 left: ok
  BitReader s(suffix_missing);
  EXPECT_EQ(s.ue(), 7u);
  EXPECT_TRUE(s.ok());
  const uint8_t cut[] = {0b0000'1000};  // 0000 1 then 4 bits wanted, 3 left
  BitReader t(cut);
  t.ue();
  EXPECT_EQ(t.error(), BitError::end_of_data);
}

TEST(BitReader, SkipPastTheEndFails) {
  const uint8_t bytes[] = {0xaa, 0xbb};
  BitReader r(bytes);
  r.skip(16);
  EXPECT_TRUE(r.ok());
  r.skip(1);
  EXPECT_EQ(r.error(), BitError::end_of_data);
}

TEST(BitReader, RandomReadsNeverLeaveTheSpan) {
  std::mt19937 rng(1234);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::vector<uint8_t> bytes(rng() % 12);
    for (auto& b : bytes) b = uint8_t(rng());
    BitReader r(bytes);
    size_t last_position = 0;
    for (int op = 0; op < 40; ++op) {
      switch (rng() % 4) {
        case 0: r.u(int(rng() % 33)); break;
        case 1: r.ue(); break;
        case 2: r.se(); break;
        default: r.skip(rng() % 20); break;
      }
      ASSERT_LE(r.position(), bytes.size() * 8);
      ASSERT_GE(r.position(), last_position);
      last_position = r.position();
    }
  }
}

}  // namespace
}  // namespace relaycast
