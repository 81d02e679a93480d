#include "media/aac.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "../fixture_file.hpp"
#include "bit_writer.hpp"

namespace relaycast {
namespace {

using aac::parse_audio_specific_config;

// The AudioSpecificConfig from tests/fixtures/rtmp/ffmpeg-publish.c2s.bin: the body of
// the first audio message (at byte 3802 of the file) is af 00 (AAC, stereo/16-bit/44 kHz
// flags, sequence header) followed by these 5 bytes. FFmpeg 5.1's native AAC encoder:
// LC, 44100 Hz, mono, then the 0x2b7 sync extension saying "no SBR" and a zero pad byte.
const std::vector<uint8_t> kFixtureAsc = {0x12, 0x08, 0x56, 0xe5, 0x00};

// audioObjectType, samplingFrequencyIndex and channelConfiguration, then an empty
// GASpecificConfig (1024-sample frames, no core coder, no extension).
test::BitWriter lc_config(int object_type, int frequency_index, int channels) {
  test::BitWriter w;
  w.u(5, object_type);
  w.u(4, frequency_index);
  w.u(4, channels);
  w.u(3, 0);
  return w;
}

TEST(Aac, ParsesFixtureConfigFromRtmpPublish) {
  const auto recording = test::read_fixture("rtmp/ffmpeg-publish.c2s.bin");
  std::vector<uint8_t> body = {0xaf, 0x00};
  body.insert(body.end(), kFixtureAsc.begin(), kFixtureAsc.end());
  ASSERT_NE(std::search(recording.begin(), recording.end(), body.begin(), body.end()), recording.end());

  auto config = parse_audio_specific_config(kFixtureAsc);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->object_type, aac::kAacLc);
  EXPECT_EQ(config->sampling_frequency_index, 4);
  EXPECT_EQ(config->sample_rate, 44100u);
  EXPECT_EQ(config->output_sample_rate, 44100u);
  EXPECT_EQ(config->channel_configuration, 1);
  EXPECT_EQ(config->channels, 1);
  EXPECT_FALSE(config->sbr) << "the sync extension says sbrPresentFlag 0";
  EXPECT_FALSE(config->frame_length_960);
  EXPECT_EQ(aac::describe(*config), "AAC LC 44100 Hz mono");
  EXPECT_EQ(aac::codec_string(*config), "mp4a.40.2");
}

TEST(Aac, ParsesLcStereo48k) {
  const std::vector<uint8_t> bytes = {0x11, 0x90};
  auto config = parse_audio_specific_config(bytes);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->sample_rate, 48000u);
  EXPECT_EQ(config->channels, 2);
  EXPECT_EQ(aac::describe(*config), "AAC LC 48000 Hz stereo");
}

TEST(Aac, ParsesEscapedObjectType) {
  test::BitWriter w;
  w.u(5, 31);
  w.u(6, 42 - 32);  // USAC
  w.u(4, 3);
  w.u(4, 2);
  auto config = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->object_type, 42);
  EXPECT_EQ(config->sample_rate, 48000u);
  EXPECT_EQ(aac::describe(*config), "USAC 48000 Hz stereo");
}

TEST(Aac, ParsesExplicitSampleRate) {
  test::BitWriter w;
  w.u(5, 2);
  w.u(4, 15);
  w.u(24, 44100);
  w.u(4, 2);
  w.u(3, 0);
  auto config = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->sampling_frequency_index, 15);
  EXPECT_EQ(config->sample_rate, 44100u);
  auto adts = aac::make_adts_header(*config, 10);
  ASSERT_TRUE(adts) << "a table rate sent explicitly still has an ADTS index";
  EXPECT_EQ(((*adts)[2] >> 2) & 0xf, 4);

  config->sample_rate = 50000;
  EXPECT_TRUE(aac::make_adts_header(*config, 10).error().is(Errc::unsupported));
}

TEST(Aac, ParsesExplicitHierarchicalSbrAndPs) {
  test::BitWriter w;
  w.u(5, aac::kSbr);
  w.u(4, 6);  // 24000 Hz core
  w.u(4, 2);
  w.u(4, 3);  // 48000 Hz after SBR
  w.u(5, aac::kAacLc);
  w.u(3, 0);
  auto config = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_TRUE(config->sbr);
  EXPECT_FALSE(config->ps);
  EXPECT_EQ(config->object_type, aac::kAacLc);
  EXPECT_EQ(config->sample_rate, 24000u);
  EXPECT_EQ(config->output_sample_rate, 48000u);
  EXPECT_EQ(aac::describe(*config), "HE-AAC 48000 Hz stereo");
  EXPECT_EQ(aac::codec_string(*config), "mp4a.40.5");
  // ADTS describes the LC core at its own rate; decoders find SBR themselves.
  auto adts = aac::make_adts_header(*config, 100);
  ASSERT_TRUE(adts);
  EXPECT_EQ((*adts)[2] >> 6, aac::kAacLc - 1);
  EXPECT_EQ(((*adts)[2] >> 2) & 0xf, 6);

  test::BitWriter v2;
  v2.u(5, aac::kPs);
  v2.u(4, 6);
  v2.u(4, 1);
  v2.u(4, 3);
  v2.u(5, aac::kAacLc);
  v2.u(3, 0);
  auto ps = parse_audio_specific_config(v2.bytes());
  ASSERT_TRUE(ps) << ps.error().message();
  EXPECT_TRUE(ps->ps);
  EXPECT_EQ(aac::describe(*ps), "HE-AACv2 48000 Hz mono");
  EXPECT_EQ(aac::codec_string(*ps), "mp4a.40.29");
}

TEST(Aac, ParsesBackwardCompatibleSbrAndPsSignalling) {
  auto w = lc_config(aac::kAacLc, 6, 1);
  w.u(11, 0x2b7);
  w.u(5, aac::kSbr);
  w.flag(true);  // sbrPresentFlag
  w.u(4, 3);
  w.u(11, 0x548);
  w.flag(true);  // psPresentFlag
  auto config = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_TRUE(config->sbr);
  EXPECT_TRUE(config->ps);
  EXPECT_EQ(config->sample_rate, 24000u);
  EXPECT_EQ(config->output_sample_rate, 48000u);
  EXPECT_EQ(aac::describe(*config), "HE-AACv2 48000 Hz mono");
}

TEST(Aac, CountsChannelsOfAProgramConfigElement) {
  auto w = lc_config(aac::kAacLc, 3, 0);
  w.u(4, 0);  // element_instance_tag
  w.u(2, 1);  // object_type
  w.u(4, 3);  // sampling_frequency_index
  w.u(4, 2);  // front elements
  w.u(4, 0);  // side
  w.u(4, 1);  // back
  w.u(2, 1);  // lfe
  w.u(3, 0);  // assoc data
  w.u(4, 1);  // valid cc
  w.u(3, 0);  // no mixdowns
  w.flag(false);  // front: mono
  w.u(4, 0);
  w.flag(true);  // front: pair
  w.u(4, 0);
  w.flag(true);  // back: pair
  w.u(4, 1);
  w.u(4, 0);  // lfe tag
  w.flag(false);  // cc
  w.u(4, 0);
  w.align();  // byte_alignment(): 74 bits so far, so this pads 6
  w.u(8, 2);
  w.u(8, 'h');
  w.u(8, 'i');
  auto config = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->channel_configuration, 0);
  EXPECT_EQ(config->channels, 6);
  EXPECT_EQ(aac::describe(*config), "AAC LC 48000 Hz 6 channels");
  EXPECT_TRUE(aac::make_adts_header(*config, 100).error().is(Errc::unsupported))
      << "ADTS would need the PCE in band";
}

TEST(Aac, RejectsReservedValues) {
  auto reserved_rate = parse_audio_specific_config(lc_config(2, 13, 2).bytes());
  ASSERT_FALSE(reserved_rate);
  EXPECT_TRUE(reserved_rate.error().is(Errc::malformed));
  auto null_type = parse_audio_specific_config(lc_config(0, 3, 2).bytes());
  ASSERT_FALSE(null_type);
  EXPECT_TRUE(null_type.error().is(Errc::malformed));
  auto reserved_channels = parse_audio_specific_config(lc_config(2, 3, 9).bytes());
  ASSERT_FALSE(reserved_channels);
  EXPECT_TRUE(reserved_channels.error().is(Errc::unsupported));
  test::BitWriter zero_rate;
  zero_rate.u(5, 2);
  zero_rate.u(4, 15);
  zero_rate.u(24, 0);
  zero_rate.u(4, 2);
  zero_rate.u(3, 0);
  EXPECT_TRUE(parse_audio_specific_config(zero_rate.bytes()).error().is(Errc::malformed));
}

TEST(Aac, MakesAdtsHeaders) {
  aac::AacConfig config = *parse_audio_specific_config(std::vector<uint8_t>{0x11, 0x90});
  // LC, 48 kHz, stereo, 100 + 7 bytes, buffer fullness 0x7ff: what FFmpeg's ADTS muxer
  // writes for the same stream.
  auto header = aac::make_adts_header(config, 100);
  ASSERT_TRUE(header);
  EXPECT_EQ(*header, (std::array<uint8_t, 7>{0xff, 0xf1, 0x4c, 0x80, 0x0d, 0x7f, 0xfc}));

  auto largest = aac::make_adts_header(config, 8191 - 7);
  ASSERT_TRUE(largest);
  EXPECT_EQ((*largest)[3] & 0x3, 0x3);
  EXPECT_EQ((*largest)[4], 0xff);
  EXPECT_EQ((*largest)[5], 0xff);
  auto too_large = aac::make_adts_header(config, 8191 - 6);
  ASSERT_FALSE(too_large);
  EXPECT_TRUE(too_large.error().is(Errc::too_large));

  auto mono = *parse_audio_specific_config(kFixtureAsc);
  EXPECT_EQ(*aac::make_adts_header(mono, 0),
            (std::array<uint8_t, 7>{0xff, 0xf1, 0x50, 0x40, 0x00, 0xff, 0xfc}));

  config.object_type = 23;
  EXPECT_TRUE(aac::make_adts_header(config, 100).error().is(Errc::unsupported));
}

// The config's optional tail (the sync extension) means a cut config can be a valid
// shorter one; what is required is that no prefix crashes, the mandatory 13 bits are
// never made up, and any prefix that parses agrees with the whole config.
TEST(Aac, TruncatedConfigsAreErrorsOrTheSameCore) {
  for (size_t length = 0; length < kFixtureAsc.size(); ++length) {
    auto config = parse_audio_specific_config(std::span(kFixtureAsc).first(length));
    if (length < 2) {
      ASSERT_FALSE(config) << length;
      EXPECT_TRUE(config.error().is(Errc::truncated)) << config.error().message();
    } else if (config) {
      EXPECT_EQ(config->sample_rate, 44100u);
      EXPECT_EQ(config->channels, 1);
    }
  }
  auto pce = lc_config(aac::kAacLc, 3, 0);
  pce.u(32, 0);  // a PCE cut off before its comment length
  EXPECT_TRUE(parse_audio_specific_config(pce.bytes()).error().is(Errc::truncated));
}

TEST(Aac, RandomBytesNeverCrash) {
  std::mt19937 rng(99);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<uint8_t> bytes(rng() % 24);
    for (auto& b : bytes) b = uint8_t(rng());
    auto config = parse_audio_specific_config(bytes);
    if (!config) continue;
    aac::describe(*config);
    if (auto header = aac::make_adts_header(*config, rng() % 10000)) {
      EXPECT_EQ((*header)[0], 0xff);
    }
  }
}

}  // namespace
}  // namespace relaycast
