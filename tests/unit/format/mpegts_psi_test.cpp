#include "format/mpegts_psi.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "../fixture_file.hpp"
#include "core/byte_io.hpp"

namespace relaycast {
namespace {

TEST(MpegtsPsi, Crc32IsTheMpeg2Variant) {
  // The CRC-32/MPEG-2 check value from the CRC catalogue.
  EXPECT_EQ(mpegts::crc32_mpeg2(test::bytes_of("123456789")), 0x0376e6e7u);
  EXPECT_EQ(mpegts::crc32_mpeg2({}), 0xffffffffu);
}

TEST(MpegtsPsi, SectionsEndInTheirCrcAndSayTheirLength) {
  const mpegts::ElementaryStream streams[] = {{mpegts::kStreamTypeH264, 0x100}, {mpegts::kStreamTypeAacAdts, 0x101}};
  for (const auto& section : {mpegts::pat_section(7, 3, 0x1234), mpegts::pmt_section(3, 0x100, streams),
                              mpegts::pmt_section(1, mpegts::kNullPid, {})}) {
    EXPECT_EQ(mpegts::crc32_mpeg2(section), 0u) << "the CRC over a section with its CRC_32 is 0";
    EXPECT_EQ(3u + (load_u16be(&section[1]) & 0x0fff), section.size());
    EXPECT_EQ(section[1] & 0xf0, 0xb0) << "section_syntax_indicator, '0', reserved";
  }
}

TEST(MpegtsPsi, PatNamesTheProgramAndItsPmt) {
  const auto pat = mpegts::pat_section(7, 3, 0x1234);
  ASSERT_EQ(pat.size(), 16u);
  EXPECT_EQ(pat[0], 0x00);
  EXPECT_EQ(load_u16be(&pat[3]), 7);
  EXPECT_EQ(pat[5], 0xc1) << "version 0, current";
  EXPECT_EQ(load_u16be(&pat[8]), 3);
  EXPECT_EQ(load_u16be(&pat[10]), 0xe000 | 0x1234);
}

TEST(MpegtsPsi, PmtWithoutStreamsHasNoPcrPid) {
  const auto pmt = mpegts::pmt_section(1, mpegts::kNullPid, {});
  ASSERT_EQ(pmt.size(), 16u);
  EXPECT_EQ(pmt[0], 0x02);
  EXPECT_EQ(load_u16be(&pmt[8]) & 0x1fff, mpegts::kNullPid);
  EXPECT_EQ(load_u16be(&pmt[10]), 0xf000) << "program_info_length 0";
}

}  // namespace
}  // namespace relaycast
