#include "format/annexb.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace relaycast {
namespace {

h264::AvcDecoderConfig config_with(int length_size) {
  h264::AvcDecoderConfig config;
  config.nalu_length_size = length_size;
  config.sps = {{0x67, 0x42, 0xc0, 0x1e}};
  config.pps = {{0x68, 0xce, 0x3c, 0x80}};
  return config;
}

TEST(MpegtsAnnexb, KeyframeGetsAudAndParameterSetsInOrder) {
  // SEI (length 3), IDR (length 2), with 4-byte lengths.
  const std::vector<uint8_t> avcc = {0, 0, 0, 3, 0x06, 0x05, 0x80, 0, 0, 0, 2, 0x65, 0x88};
  std::vector<uint8_t> out;
  ASSERT_TRUE(annexb::append_access_unit(avcc, config_with(4), true, out));
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 1, 0x09, 0xf0,                    // AUD
                                       0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e,        // SPS
                                       0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,        // PPS
                                       0, 0, 1, 0x06, 0x05, 0x80, 0, 0, 1, 0x65, 0x88}));
}

TEST(MpegtsAnnexb, GathersWithoutCopyingThePayload) {
  const std::vector<uint8_t> avcc = {5, 0x41, 1, 2, 3, 4, 0, 2, 0x41, 9};  // 1-byte lengths, one empty NAL
  std::vector<std::span<const uint8_t>> pieces;
  ASSERT_TRUE(annexb::gather_access_unit(avcc, config_with(1), false, pieces));
  ASSERT_EQ(pieces.size(), 5u);  // AUD, start code, NAL, start code, NAL
  EXPECT_EQ(pieces[2].data(), avcc.data() + 1);
  EXPECT_EQ(pieces[2].size(), 5u);
  EXPECT_EQ(pieces[4].data(), avcc.data() + 8);
}

TEST(MpegtsAnnexb, OverrunningLengthsAppendNothing) {
  std::vector<uint8_t> out = {42};
  auto converted = annexb::append_access_unit(std::vector<uint8_t>{0, 0, 0, 9, 0x65, 1}, config_with(4), true, out);
  ASSERT_FALSE(converted);
  EXPECT_TRUE(converted.error().is(Errc::truncated));
  EXPECT_EQ(out, std::vector<uint8_t>{42});
}

}  // namespace
}  // namespace relaycast
