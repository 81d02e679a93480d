#include "media/hevc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "../fixture_file.hpp"
#include "bit_writer.hpp"
#include "format/annexb_reader.hpp"
#include "media/hevc_config_record.hpp"

namespace relaycast {
namespace {

// tests/fixtures/hevc/make_fixtures.sh: libx265 (ultrafast) through FFmpeg 5.1,
// testsrc2 320x240, 5 frames; and the hvcC FFmpeg's MP4 muxer writes for it.
std::vector<uint8_t> hevc_fixture(const std::string& name) { return test::read_fixture("hevc/" + name); }

struct ParameterSets {
  std::vector<uint8_t> vps, sps, pps;
};

// The first VPS, SPS and PPS of the raw stream, as an encoder writes them in band.
ParameterSets fixture_parameter_sets() {
  static const std::vector<uint8_t> stream = hevc_fixture("testsrc2_320x240.hevc");
  std::vector<std::span<const uint8_t>> nals;
  annexb::split_nal_units(stream, nals);
  ParameterSets sets;
  for (auto nal : nals) {
    auto& slot = hevc::nal_type(nal[0]) == 32   ? sets.vps
                 : hevc::nal_type(nal[0]) == 33 ? sets.sps
                 : hevc::nal_type(nal[0]) == 34 ? sets.pps
                                                : sets.vps;
    if (hevc::is_parameter_set(hevc::nal_type(nal[0])) && slot.empty()) slot.assign(nal.begin(), nal.end());
  }
  return sets;
}

TEST(Hevc, NalTypesFromTheTwoByteHeader) {
  EXPECT_EQ(hevc::nal_type(0x40), 32);  // VPS: 0x40 0x01
  EXPECT_EQ(hevc::nal_type(0x42), 33);  // SPS
  EXPECT_EQ(hevc::nal_type(0x44), 34);  // PPS
  EXPECT_EQ(hevc::nal_type(0x46), 35);  // AUD
  EXPECT_EQ(hevc::nal_type(0x26), 19);  // IDR_W_RADL
  EXPECT_TRUE(hevc::is_irap(19));
  EXPECT_TRUE(hevc::is_irap(21));  // CRA
  EXPECT_TRUE(hevc::is_irap(16));  // BLA_W_LP
  EXPECT_FALSE(hevc::is_irap(1));  // TRAIL_R
  EXPECT_FALSE(hevc::is_irap(32));
}

TEST(Hevc, ParsesTheSpsOfLibx265) {
  const auto sets = fixture_parameter_sets();
  ASSERT_FALSE(sets.sps.empty());
  auto sps = hevc::parse_sps(sets.sps);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->ptl.profile_space, 0);
  EXPECT_FALSE(sps->ptl.tier);
  EXPECT_EQ(sps->ptl.profile_idc, 1) << "Main";
  EXPECT_EQ(sps->ptl.compatibility_flags, 0x60000000u) << "compatible with Main and Main 10";
  EXPECT_EQ(sps->ptl.level_idc, 60) << "level 2, as ffprobe says";
  EXPECT_EQ(sps->ptl.constraint_flags[0], 0x90) << "progressive source, frame only";
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_EQ(sps->bit_depth_chroma, 8u);
  EXPECT_EQ(sps->width, 320u);
  EXPECT_EQ(sps->height, 240u);
  EXPECT_EQ(hevc::describe(*sps), "HEVC Main@L2 320x240");
  EXPECT_EQ(hevc::codec_string(sps->ptl), "hvc1.1.6.L60.90");
}

TEST(Hevc, CodecStringFollowsIso14496_15AnnexE) {
  hevc::ProfileTierLevel ptl;
  ptl.profile_idc = 1;
  ptl.compatibility_flags = 0x60000000;
  ptl.level_idc = 93;
  ptl.constraint_flags = {0xb0, 0, 0, 0, 0, 0};
  EXPECT_EQ(hevc::codec_string(ptl), "hvc1.1.6.L93.B0");  // the example of E.3
  ptl.profile_space = 1;
  ptl.tier = true;
  ptl.profile_idc = 2;
  ptl.compatibility_flags = 0x20000000;  // flag 2 only
  ptl.level_idc = 120;
  ptl.constraint_flags = {0x90, 0, 0x01, 0, 0, 0};
  EXPECT_EQ(hevc::codec_string(ptl), "hvc1.A2.4.H120.90.0.1") << "zero bytes stay when a later one is not zero";
  ptl.constraint_flags = {};
  EXPECT_EQ(hevc::codec_string(ptl), "hvc1.A2.4.H120");
}

// An SPS written field by field, for sizes and values no encoder of ours produces.
std::vector<uint8_t> synthetic_sps(uint32_t width, uint32_t height, uint32_t chroma, bool window,
                                   uint32_t crop_right, uint32_t crop_bottom, uint32_t luma_minus8 = 0) {
  test::BitWriter w;
  w.u(4, 0);  // sps_video_parameter_set_id
  w.u(3, 0);  // sps_max_sub_layers_minus1
  w.flag(true);
  w.u(2, 0);
  w.flag(false);
  w.u(5, 2);  // Main 10
  w.u(32, 0x20000000);
  w.u(48, 0x900000000000);
  w.u(8, 123);  // level 4.1
  w.ue(0);      // sps_seq_parameter_set_id
  w.ue(chroma);
  if (chroma == 3) w.flag(false);
  w.ue(width);
  w.ue(height);
  w.flag(window);
  if (window) {
    w.ue(0);
    w.ue(crop_right);
    w.ue(0);
    w.ue(crop_bottom);
  }
  w.ue(luma_minus8);
  w.ue(luma_minus8);
  w.ue(4);  // log2_max_pic_order_cnt_lsb_minus4
  std::vector<uint8_t> nal = {0x42, 0x01};
  const auto rbsp = w.rbsp();
  nal.insert(nal.end(), rbsp.begin(), rbsp.end());
  return nal;
}

TEST(Hevc, TheConformanceWindowCountsInChromaSamples) {
  // 1920x1088 coded, 8 luma rows cut at the bottom: 4 in 4:2:0 chroma units.
  auto sps = hevc::parse_sps(synthetic_sps(1920, 1088, 1, true, 0, 4, 2));
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(hevc::describe(*sps), "HEVC Main 10@L4.1 1920x1080");
  // 4:4:4: the offsets are luma samples.
  auto full = hevc::parse_sps(synthetic_sps(1920, 1088, 3, true, 2, 8));
  ASSERT_TRUE(full) << full.error().message();
  EXPECT_EQ(full->width, 1918u);
  EXPECT_EQ(full->height, 1080u);
}

TEST(Hevc, ImpossibleSpsValuesAreMalformed) {
  for (const auto& nal : {synthetic_sps(0, 240, 1, false, 0, 0), synthetic_sps(320, 20000, 1, false, 0, 0),
                          synthetic_sps(320, 240, 4, false, 0, 0), synthetic_sps(320, 240, 1, true, 160, 0),
                          synthetic_sps(320, 240, 1, false, 0, 0, 9)}) {
    auto sps = hevc::parse_sps(nal);
    ASSERT_FALSE(sps);
    EXPECT_TRUE(sps.error().is(Errc::malformed)) << sps.error().message();
  }
  const uint8_t pps_header[] = {0x44, 0x01, 0xc0};
  auto not_sps = hevc::parse_sps(pps_header);
  ASSERT_FALSE(not_sps);
  EXPECT_NE(not_sps.error().message().find("not a sequence parameter set"), std::string::npos);
}

TEST(Hevc, ACutSpsIsAnErrorAtEveryLength) {
  const auto sps = fixture_parameter_sets().sps;
  // Up to the bit depths: the profile_tier_level alone is 12 bytes after the header.
  for (size_t n = 0; n < 16; ++n) {
    auto parsed = hevc::parse_sps(std::span(sps).first(n));
    ASSERT_FALSE(parsed) << n;
    EXPECT_TRUE(parsed.error().is(Errc::truncated)) << n << ": " << parsed.error().message();
  }
  // Every other length parses or fails, never reads past the end (run under ASan).
  for (size_t n = 16; n <= sps.size(); ++n) (void)hevc::parse_sps(std::span(sps).first(n));
}

TEST(HevcConfigRecord, ParsesTheRecordFfmpegWrites) {
  const auto record = hevc_fixture("testsrc2_320x240.hvcC");
  auto config = hevc::parse_hevc_decoder_config(record);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->ptl.profile_idc, 1);
  EXPECT_EQ(config->ptl.level_idc, 60);
  EXPECT_EQ(config->nalu_length_size, 4);
  EXPECT_EQ(config->chroma_format_idc, 1);
  EXPECT_EQ(config->bit_depth_luma, 8);
  const auto sets = fixture_parameter_sets();
  ASSERT_EQ(config->vps.size(), 1u);
  ASSERT_EQ(config->sps.size(), 1u);
  ASSERT_EQ(config->pps.size(), 1u);
  EXPECT_EQ(config->vps[0], sets.vps);
  EXPECT_EQ(config->sps[0], sets.sps);
  EXPECT_EQ(config->pps[0], sets.pps);
}

TEST(HevcConfigRecord, MadeFromParameterSetsItIsWhatFfmpegWrites) {
  const auto sets = fixture_parameter_sets();
  auto made = hevc::make_hevc_decoder_config(sets.vps, sets.sps, sets.pps);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(*made, hevc_fixture("testsrc2_320x240.hvcC")) << "byte for byte the record of FFmpeg's MP4 muxer";

  auto parsed = hevc::parse_hevc_decoder_config(*made);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->sps.at(0), sets.sps);
  EXPECT_EQ(parsed->pps.at(0), sets.pps);
  EXPECT_EQ(parsed->vps.at(0), sets.vps);
  EXPECT_EQ(hevc::codec_string(parsed->ptl), "hvc1.1.6.L60.90");
}

TEST(HevcConfigRecord, MakingRefusesParameterSetsInTheWrongPlace) {
  const auto sets = fixture_parameter_sets();
  auto swapped = hevc::make_hevc_decoder_config(sets.sps, sets.vps, sets.pps);
  ASSERT_FALSE(swapped);
  EXPECT_TRUE(swapped.error().is(Errc::malformed)) << swapped.error().message();
  auto empty = hevc::make_hevc_decoder_config(sets.vps, sets.sps, {});
  ASSERT_FALSE(empty);
  EXPECT_TRUE(empty.error().is(Errc::truncated)) << empty.error().message();
}

TEST(HevcConfigRecord, ACutRecordIsTruncatedAtEveryLength) {
  const auto record = hevc_fixture("testsrc2_320x240.hvcC");
  ASSERT_GT(record.size(), 23u);
  for (size_t n = 0; n < record.size(); ++n) {
    auto parsed = hevc::parse_hevc_decoder_config(std::span(record).first(n));
    ASSERT_FALSE(parsed) << n;
    EXPECT_TRUE(parsed.error().is(Errc::truncated)) << n << ": " << parsed.error().message();
  }
}

TEST(HevcConfigRecord, HostileRecordsAreErrorsNotCrashes) {
  auto record = hevc_fixture("testsrc2_320x240.hvcC");
  auto version = record;
  version[0] = 2;
  auto bad_version = hevc::parse_hevc_decoder_config(version);
  ASSERT_FALSE(bad_version);
  EXPECT_NE(bad_version.error().message().find("configurationVersion"), std::string::npos);

  // The VPS array says it holds SPSs.
  auto retyped = record;
  retyped[23] = 0xa1;
  auto bad_type = hevc::parse_hevc_decoder_config(retyped);
  ASSERT_FALSE(bad_type);
  EXPECT_TRUE(bad_type.error().is(Errc::malformed)) << bad_type.error().message();

  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    auto noisy = record;
    for (int flips = 0; flips < 4; ++flips) noisy[rng() % noisy.size()] = uint8_t(rng());
    if (auto parsed = hevc::parse_hevc_decoder_config(noisy); parsed && !parsed->sps.empty())
      (void)hevc::parse_sps(parsed->sps.front());
  }
}

}  // namespace
}  // namespace relaycast
