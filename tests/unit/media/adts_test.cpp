#include "media/adts.hpp"

#include <gtest/gtest.h>

#include "media/aac.hpp"
#include "media/h264.hpp"
#include "media/h264_config_record.hpp"

namespace relaycast {
namespace {

TEST(Adts, ParsesWhatTheMuxerWritesAndGivesTheConfigBack) {
  const std::vector<uint8_t> asc = {0x11, 0x90};  // AAC LC, 48 kHz, stereo
  auto config = aac::parse_audio_specific_config(asc);
  ASSERT_TRUE(config);
  auto header = aac::make_adts_header(*config, 300);
  ASSERT_TRUE(header);
  auto parsed = aac::parse_adts_header(*header);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->object_type, aac::kAacLc);
  EXPECT_EQ(parsed->sample_rate, 48000u);
  EXPECT_EQ(parsed->channel_configuration, 2);
  EXPECT_EQ(parsed->header_size, 7u);
  EXPECT_EQ(parsed->frame_length, 307u);
  EXPECT_EQ(parsed->raw_data_blocks, 1);
  const auto back = aac::audio_specific_config(*parsed);
  EXPECT_EQ(std::vector<uint8_t>(back.begin(), back.end()), asc);
}

TEST(Adts, RefusesWhatIsNotAnAdtsHeader) {
  EXPECT_TRUE(aac::parse_adts_header(std::vector<uint8_t>{0xff, 0xf1}).error().is(Errc::truncated));
  EXPECT_TRUE(aac::parse_adts_header(std::vector<uint8_t>{0x47, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc})
                  .error().is(Errc::malformed));
  // Frame length 3, shorter than the header.
  EXPECT_TRUE(aac::parse_adts_header(std::vector<uint8_t>{0xff, 0xf1, 0x50, 0x80, 0x00, 0x7f, 0xfc})
                  .error().is(Errc::malformed));
  // Sampling frequency index 13 is reserved.
  EXPECT_TRUE(aac::parse_adts_header(std::vector<uint8_t>{0xff, 0xf1, 0x74, 0x80, 0x02, 0x1f, 0xfc})
                  .error().is(Errc::malformed));
}

TEST(AvcConfigRecord, IsParsedBackWithItsParameterSets) {
  const std::vector<uint8_t> sps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9};
  const std::vector<uint8_t> pps = {0x68, 0xeb, 0xe3, 0xcb};
  auto record = h264::make_avc_decoder_config(sps, pps);
  ASSERT_TRUE(record);
  auto parsed = h264::parse_avc_decoder_config(*record);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->profile, 0x64);
  EXPECT_EQ(parsed->level, 0x1f);
  EXPECT_EQ(parsed->nalu_length_size, 4);
  ASSERT_EQ(parsed->sps.size(), 1u);
  EXPECT_EQ(parsed->sps[0], sps);
  ASSERT_EQ(parsed->pps.size(), 1u);
  EXPECT_EQ(parsed->pps[0], pps);
  EXPECT_FALSE(h264::make_avc_decoder_config(std::vector<uint8_t>{0x67}, pps));
}

}  // namespace
}  // namespace relaycast
