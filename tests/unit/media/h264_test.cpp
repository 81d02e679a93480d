#include "media/h264.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <vector>

#include "../fixture_file.hpp"
#include "bit_writer.hpp"

namespace relaycast {
namespace {

using h264::parse_avc_decoder_config;
using h264::parse_sps;

// The AVCDecoderConfigurationRecord from tests/fixtures/rtmp/ffmpeg-publish.c2s.bin:
// the body of the first video message (at byte 3741 of the file) is 17 00 00 00 00
// (keyframe, AVC sequence header, composition time 0) followed by these 44 bytes.
// x264 through FFmpeg 5.1, testsrc2 320x240.
const std::vector<uint8_t> kFixtureAvcC = {
    0x01, 0x64, 0x00, 0x0d, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41,
    0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x01, 0xe0, 0xf1, 0x42, 0x99,
    0x60, 0x01, 0x00, 0x04, 0x68, 0xef, 0xbc, 0xb0, 0xfd, 0xf8, 0xf8, 0x00};
// Where the PPS list ends and the optional high-profile tail (fd f8 f8 00) starts.
constexpr size_t kFixtureAvcCWithoutTail = 40;

// SPS NAL units written by x264 (FFmpeg 5.1, libx264, testsrc2, one frame, -f h264);
// the comment gives the command's distinguishing options and what ffprobe reports.
// -s 1280x720 -profile:v high: High 3.1, 30 fps
const std::vector<uint8_t> kSps720 = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05,
                                      0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
                                      0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
// -s 1920x1080 -profile:v high: 1920x1088 coded, cropped by 8 rows; High 4.0, 30 fps
const std::vector<uint8_t> kSps1080 = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02,
                                       0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04,
                                       0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x60, 0xc6, 0x58};
// -s 176x144 -r 25 -profile:v baseline: Constrained Baseline 1.1, pic_order_cnt_type 2
const std::vector<uint8_t> kSpsBaseline = {0x67, 0x42, 0xc0, 0x0b, 0xd9, 0x02, 0xc4, 0xec,
                                           0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00,
                                           0x00, 0x0c, 0x83, 0xc5, 0x0a, 0x92};
// -s 640x360 -profile:v high422 -pix_fmt yuv422p: 4:2:2 crops in whole rows
const std::vector<uint8_t> kSps422 = {0x67, 0x7a, 0x00, 0x1e, 0xbc, 0xd9, 0x40, 0xa0, 0x2f,
                                      0xf8, 0x9c, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40,
                                      0x00, 0x00, 0x0f, 0x03, 0xc5, 0x8b, 0x65, 0x80};
// -s 642x362 -profile:v high444 -pix_fmt yuv444p10le: 4:4:4 crops in single samples
const std::vector<uint8_t> kSps444 = {0x67, 0xf4, 0x00, 0x1e, 0x90, 0xd9, 0xb2, 0x81, 0x48, 0x5f,
                                      0xc7, 0xcf, 0x80, 0x88, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00,
                                      0x00, 0x03, 0x01, 0xe0, 0x78, 0xb1, 0x6c, 0xb0};
// -s 1920x1080 -flags +ildct -x264-params interlaced=1: field coding, crop units of 4 rows
const std::vector<uint8_t> kSpsInterlaced = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x04,
                                             0x4f, 0xde, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x20,
                                             0x00, 0x00, 0x07, 0x83, 0xe2, 0xc5, 0xb2, 0xc0};

// Fields of a synthetic SPS; the defaults describe a 1280x720 High 3.1 stream.
struct SpsFields {
  uint8_t profile_idc = 100;
  uint8_t level_idc = 31;
  uint64_t sps_id = 0;
  uint64_t chroma_format_idc = 1;
  bool separate_colour_plane = false;
  uint64_t bit_depth_luma_minus8 = 0;
  // One entry per scaling list, in order; nullopt: seq_scaling_list_present_flag 0.
  std::vector<std::optional<std::vector<int>>> scaling_lists;
  uint64_t log2_max_frame_num_minus4 = 0;
  uint64_t pic_order_cnt_type = 0;
  std::vector<int> offset_for_ref_frame;
  std::optional<uint64_t> poc_cycle_count;  // overrides offset_for_ref_frame.size()
  uint64_t max_num_ref_frames = 4;
  uint64_t width_mbs_minus1 = 79;
  uint64_t height_map_units_minus1 = 44;
  bool frame_mbs_only = true;
  std::optional<std::array<uint64_t, 4>> crop;  // left, right, top, bottom
  bool vui_timing = false;
};

std::vector<uint8_t> make_sps(const SpsFields& f) {
  test::BitWriter w;
  w.u(8, f.profile_idc);
  w.u(8, 0);
  w.u(8, f.level_idc);
  w.ue(f.sps_id);
  if (f.profile_idc == 100 || f.profile_idc == 244) {
    w.ue(f.chroma_format_idc);
    if (f.chroma_format_idc == 3) w.flag(f.separate_colour_plane);
    w.ue(f.bit_depth_luma_minus8);
    w.ue(0);
    w.flag(false);
    w.flag(!f.scaling_lists.empty());
    for (const auto& list : f.scaling_lists) {
      w.flag(list.has_value());
      if (list) {
        for (int delta : *list) w.se(delta);
      }
    }
  }
  w.ue(f.log2_max_frame_num_minus4);
  w.ue(f.pic_order_cnt_type);
  if (f.pic_order_cnt_type == 0) w.ue(2);
  if (f.pic_order_cnt_type == 1) {
    w.flag(false);
    w.se(-2);
    w.se(3);
    w.ue(f.poc_cycle_count.value_or(f.offset_for_ref_frame.size()));
    for (int offset : f.offset_for_ref_frame) w.se(offset);
  }
  w.ue(f.max_num_ref_frames);
  w.flag(false);
  w.ue(f.width_mbs_minus1);
  w.ue(f.height_map_units_minus1);
  w.flag(f.frame_mbs_only);
  if (!f.frame_mbs_only) w.flag(false);
  w.flag(true);
  w.flag(f.crop.has_value());
  if (f.crop) {
    for (uint64_t offset : *f.crop) w.ue(offset);
  }
  w.flag(f.vui_timing);
  if (f.vui_timing) {
    for (int i = 0; i < 4; ++i) w.flag(false);  // aspect, overscan, signal type, chroma loc
    w.flag(true);
    w.u(32, 1001);
    w.u(32, 60000);
    w.flag(true);
    for (int i = 0; i < 4; ++i) w.flag(false);  // nal hrd, vcl hrd, pic_struct, restriction
  }
  std::vector<uint8_t> nal = {0x67};
  const auto body = test::add_emulation_prevention(w.rbsp());
  nal.insert(nal.end(), body.begin(), body.end());
  return nal;
}

void expect_malformed(const SpsFields& fields, const char* why) {
  auto sps = parse_sps(make_sps(fields));
  ASSERT_FALSE(sps) << why;
  EXPECT_TRUE(sps.error().is(Errc::malformed)) << why << ": " << sps.error().message();
}

TEST(H264, RemovesEmulationPreventionBytes) {
  using V = std::vector<uint8_t>;
  auto rbsp = [](const V& nal) { return h264::remove_emulation_prevention(nal); };
  EXPECT_EQ(rbsp({0x00, 0x00, 0x03, 0x01}), (V{0x00, 0x00, 0x01}));
  EXPECT_EQ(rbsp({0x00, 0x00, 0x03, 0x00, 0x00, 0x03}), (V{0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(rbsp({0x00, 0x03, 0x00, 0x03}), (V{0x00, 0x03, 0x00, 0x03}));
  EXPECT_EQ(rbsp({0x00, 0x00, 0x03}), (V{0x00, 0x00}));
  EXPECT_EQ(rbsp({}), V{});
}

TEST(H264, ParsesFixtureDecoderConfigFromRtmpPublish) {
  // The bytes above really are the recording's: guards against a copying slip.
  const auto recording = test::read_fixture("rtmp/ffmpeg-publish.c2s.bin");
  const std::vector<uint8_t> body_header = {0x17, 0x00, 0x00, 0x00, 0x00};
  std::vector<uint8_t> body = body_header;
  body.insert(body.end(), kFixtureAvcC.begin(), kFixtureAvcC.end());
  ASSERT_NE(std::search(recording.begin(), recording.end(), body.begin(), body.end()), recording.end());

  auto config = parse_avc_decoder_config(kFixtureAvcC);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->profile, 100);
  EXPECT_EQ(config->compatibility, 0);
  EXPECT_EQ(config->level, 13);
  EXPECT_EQ(config->nalu_length_size, 4);
  ASSERT_EQ(config->sps.size(), 1u);
  ASSERT_EQ(config->pps.size(), 1u);
  EXPECT_EQ(config->pps[0], (std::vector<uint8_t>{0x68, 0xef, 0xbc, 0xb0}));

  auto sps = parse_sps(config->sps[0]);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 320u);
  EXPECT_EQ(sps->height, 240u);
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->level_idc, 13);
  EXPECT_EQ(sps->frame_rate(), 15.0);
  EXPECT_EQ(h264::describe(*sps), "H.264 High@1.3 320x240");
  EXPECT_EQ(h264::codec_string(*sps), "avc1.64000d");
}

TEST(H264, ParsesX264Sps720p) {
  auto sps = parse_sps(kSps720);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_TRUE(sps->frame_mbs_only);
  EXPECT_EQ(sps->pic_order_cnt_type, 0u);
  EXPECT_EQ(sps->frame_rate(), 30.0);
  EXPECT_EQ(h264::describe(*sps), "H.264 High@3.1 1280x720");
}

TEST(H264, ParsesX264Sps1080pWithCropping) {
  auto sps = parse_sps(kSps1080);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(h264::describe(*sps), "H.264 High@4.0 1920x1080");
}

TEST(H264, ParsesBaselineWithPicOrderCntType2) {
  auto sps = parse_sps(kSpsBaseline);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->pic_order_cnt_type, 2u);
  EXPECT_TRUE(sps->constraint_set(1));
  EXPECT_EQ(sps->frame_rate(), 25.0);
  EXPECT_EQ(h264::describe(*sps), "H.264 Constrained Baseline@1.1 176x144");
}

TEST(H264, CropsInChromaUnitsFor422And444) {
  auto sps422 = parse_sps(kSps422);
  ASSERT_TRUE(sps422) << sps422.error().message();
  EXPECT_EQ(sps422->chroma_format_idc, 2u);
  EXPECT_EQ(sps422->width, 640u);
  EXPECT_EQ(sps422->height, 360u);
  EXPECT_EQ(h264::describe(*sps422), "H.264 High 4:2:2@3.0 640x360");

  auto sps444 = parse_sps(kSps444);
  ASSERT_TRUE(sps444) << sps444.error().message();
  EXPECT_EQ(sps444->chroma_format_idc, 3u);
  EXPECT_EQ(sps444->bit_depth_luma, 10u);
  EXPECT_EQ(sps444->bit_depth_chroma, 10u);
  EXPECT_EQ(sps444->width, 642u);
  EXPECT_EQ(sps444->height, 362u);
  EXPECT_EQ(h264::describe(*sps444), "H.264 High 4:4:4 Predictive@3.0 642x362");
}

TEST(H264, ParsesFieldCodedSps) {
  auto sps = parse_sps(kSpsInterlaced);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_FALSE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
}

TEST(H264, SkipsScalingListsIncludingEarlyEnd) {
  SpsFields fields;
  fields.scaling_lists.assign(8, std::nullopt);
  fields.scaling_lists[0] = std::vector<int>{-8};  // nextScale 0 at once: "use the default"
  fields.scaling_lists[2] = std::vector<int>(16, 1);
  std::vector<int> list64(64, 1);  // never reaching 0, which would end the list early
  list64[10] = 127;
  list64[11] = -128;
  fields.scaling_lists[6] = list64;
  std::vector<int> wrapping(64, 0);
  wrapping[0] = -100;  // (8 - 100 + 256) % 256 = 164: scales wrap modulo 256
  fields.scaling_lists[7] = wrapping;
  auto sps = parse_sps(make_sps(fields));
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);

  fields.scaling_lists[2] = std::vector<int>{128};
  expect_malformed(fields, "delta_scale 128");
}

TEST(H264, TwelveScalingListsFor444) {
  SpsFields fields;
  fields.profile_idc = 244;
  fields.chroma_format_idc = 3;
  fields.scaling_lists.assign(12, std::vector<int>(64, 0));
  for (int i = 0; i < 6; ++i) fields.scaling_lists[i]->resize(16);
  auto sps = parse_sps(make_sps(fields));
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
}

TEST(H264, ParsesPicOrderCntType1) {
  SpsFields fields;
  fields.pic_order_cnt_type = 1;
  fields.offset_for_ref_frame = {1, -1, 2, -2, 100000};
  auto sps = parse_sps(make_sps(fields));
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->pic_order_cnt_type, 1u);
  EXPECT_EQ(sps->width, 1280u);

  fields.offset_for_ref_frame.assign(255, 7);
  EXPECT_TRUE(parse_sps(make_sps(fields)));
}

TEST(H264, MonochromeAndSeparatePlanesCropInLumaSamples) {
  SpsFields fields;
  fields.chroma_format_idc = 0;
  fields.crop = {{1, 2, 3, 4}};
  auto mono = parse_sps(make_sps(fields));
  ASSERT_TRUE(mono) << mono.error().message();
  EXPECT_EQ(mono->width, 1280u - 3);
  EXPECT_EQ(mono->height, 720u - 7);

  fields.frame_mbs_only = false;
  fields.height_map_units_minus1 = 22;  // 23 map units of 2 macroblocks: 736 rows
  auto field_mono = parse_sps(make_sps(fields));
  ASSERT_TRUE(field_mono) << field_mono.error().message();
  EXPECT_EQ(field_mono->height, 736u - 2 * 7);

  SpsFields planes;
  planes.profile_idc = 244;
  planes.chroma_format_idc = 3;
  planes.separate_colour_plane = true;
  planes.crop = {{0, 5, 0, 1}};
  auto sps = parse_sps(make_sps(planes));
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_TRUE(sps->separate_colour_plane);
  EXPECT_EQ(sps->width, 1275u);
  EXPECT_EQ(sps->height, 719u);
}

TEST(H264, ReadsVuiTimingAsFrameRate) {
  SpsFields fields;
  fields.vui_timing = true;
  auto sps = parse_sps(make_sps(fields));
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->num_units_in_tick, 1001u);
  EXPECT_EQ(sps->time_scale, 60000u);
  EXPECT_TRUE(sps->fixed_frame_rate);
  ASSERT_TRUE(sps->frame_rate());
  EXPECT_NEAR(*sps->frame_rate(), 29.97, 0.001);

  EXPECT_EQ(parse_sps(make_sps(SpsFields{}))->frame_rate(), std::nullopt);
}

TEST(H264, RejectsAbsurdFieldValues) {
  auto with = [](auto change) {
    SpsFields fields;
    change(fields);
    return fields;
  };
  expect_malformed(with([](SpsFields& f) { f.width_mbs_minus1 = 100000; }), "huge width");
  expect_malformed(with([](SpsFields& f) { f.width_mbs_minus1 = 0xfffffffe; }), "largest ue width");
  expect_malformed(with([](SpsFields& f) { f.height_map_units_minus1 = 5000; }), "huge height");
  expect_malformed(with([](SpsFields& f) {
    f.width_mbs_minus1 = 1000;
    f.height_map_units_minus1 = 1000;
  }), "frame over level 6.2");
  expect_malformed(with([](SpsFields& f) { f.log2_max_frame_num_minus4 = 13; }), "log2_max_frame_num");
  expect_malformed(with([](SpsFields& f) {
    f.pic_order_cnt_type = 1;
    f.poc_cycle_count = 256;
  }), "poc cycle of 256");
  expect_malformed(with([](SpsFields& f) {
    f.pic_order_cnt_type = 1;
    f.poc_cycle_count = 0xfffffffe;
  }), "poc cycle of 2^32 - 2");
  expect_malformed(with([](SpsFields& f) { f.pic_order_cnt_type = 3; }), "pic_order_cnt_type 3");
  expect_malformed(with([](SpsFields& f) { f.sps_id = 32; }), "seq_parameter_set_id 32");
  expect_malformed(with([](SpsFields& f) { f.chroma_format_idc = 4; }), "chroma_format_idc 4");
  expect_malformed(with([](SpsFields& f) { f.bit_depth_luma_minus8 = 7; }), "15-bit luma");
  expect_malformed(with([](SpsFields& f) { f.max_num_ref_frames = 17; }), "17 reference frames");
  expect_malformed(with([](SpsFields& f) { f.crop = {{640, 0, 0, 0}}; }), "crop the whole width");
  expect_malformed(with([](SpsFields& f) { f.crop = {{0, 0, 0, 0xfffffffe}}; }), "crop 2^32 rows");
}

TEST(H264, RejectsOverlongExpGolombAndWrongNalType) {
  // 32 leading zeros where seq_parameter_set_id starts.
  const std::vector<uint8_t> overlong = {0x67, 0x64, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x80, 0x80};
  auto sps = parse_sps(overlong);
  ASSERT_FALSE(sps);
  EXPECT_TRUE(sps.error().is(Errc::malformed)) << sps.error().message();

  const std::vector<uint8_t> pps = {0x68, 0xef, 0xbc, 0xb0};
  ASSERT_FALSE(parse_sps(pps));
  EXPECT_TRUE(parse_sps(pps).error().is(Errc::malformed));
  EXPECT_TRUE(parse_sps({}).error().is(Errc::truncated));
}

TEST(H264, EveryTruncatedSpsIsAnError) {
  for (const auto* nal : {&kSps720, &kSps1080, &kSpsBaseline, &kSps422, &kSps444, &kSpsInterlaced}) {
    for (size_t length = 0; length < nal->size(); ++length) {
      auto sps = parse_sps(std::span(*nal).first(length));
      ASSERT_FALSE(sps) << "prefix of " << length << " bytes of " << nal->size();
      EXPECT_TRUE(sps.error().is(Errc::truncated)) << length << ": " << sps.error().message();
    }
  }
}

TEST(H264, EveryTruncatedDecoderConfigIsAnErrorOrTheConfigWithoutItsTail) {
  for (size_t length = 0; length < kFixtureAvcC.size(); ++length) {
    auto config = parse_avc_decoder_config(std::span(kFixtureAvcC).first(length));
    if (length == kFixtureAvcCWithoutTail) {
      ASSERT_TRUE(config) << "the high-profile tail is optional in practice";
      EXPECT_EQ(config->sps.size(), 1u);
      EXPECT_EQ(config->pps.size(), 1u);
    } else {
      ASSERT_FALSE(config) << "prefix of " << length << " bytes";
      EXPECT_TRUE(config.error().is(Errc::truncated)) << config.error().message();
    }
  }
}

TEST(H264, RejectsBadDecoderConfigs) {
  auto changed = [](size_t at, uint8_t value) {
    auto record = kFixtureAvcC;
    record[at] = value;
    return parse_avc_decoder_config(record);
  };
  EXPECT_TRUE(changed(0, 0).error().is(Errc::malformed)) << "configurationVersion 0";
  EXPECT_TRUE(changed(8, 0x68).error().is(Errc::malformed)) << "a PPS where the SPS goes";
  EXPECT_TRUE(changed(7, 0x00).error().is(Errc::malformed)) << "an empty SPS";
  EXPECT_TRUE(changed(7, 0xff).error().is(Errc::truncated)) << "an SPS longer than the record";
  EXPECT_EQ(changed(4, 0xfc)->nalu_length_size, 1);
  EXPECT_EQ(changed(4, 0xfd)->nalu_length_size, 2);
  EXPECT_EQ(changed(5, 0xe0)->sps.size(), 0u) << "no SPS is allowed (avc3 carries them in band)";
}

TEST(H264, WalksLengthPrefixedNalUnits) {
  const std::vector<uint8_t> avcc = {0x00, 0x00, 0x00, 0x02, 0x09, 0xf0,  // AUD
                                     0x00, 0x00, 0x00, 0x00,              // empty, skipped
                                     0x00, 0x00, 0x00, 0x03, 0x65, 0x88, 0x84};
  std::vector<std::vector<uint8_t>> seen;
  auto walked = h264::for_each_nal(avcc, 4, [&](std::span<const uint8_t> nal) {
    seen.emplace_back(nal.begin(), nal.end());
  });
  ASSERT_TRUE(walked) << walked.error().message();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(h264::nal_type(seen[0][0]), uint8_t(h264::NalType::aud));
  EXPECT_EQ(seen[1], (std::vector<uint8_t>{0x65, 0x88, 0x84}));

  int calls = 0;
  ASSERT_TRUE(h264::for_each_nal(avcc, 4, [&](std::span<const uint8_t>) { return ++calls < 1; }));
  EXPECT_EQ(calls, 1) << "returning false stops the walk";

  const std::vector<uint8_t> short_prefixes = {0x02, 0x09, 0xf0, 0x01, 0x65};
  calls = 0;
  ASSERT_TRUE(h264::for_each_nal(short_prefixes, 1, [&](std::span<const uint8_t>) { ++calls; }));
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(h264::for_each_nal(std::span<const uint8_t>(), 4, [](std::span<const uint8_t>) {}));
}

TEST(H264, NalWalkRejectsOverrunsBeforeCallingBack) {
  int calls = 0;
  auto count = [&](std::span<const uint8_t>) { ++calls; };
  const std::vector<uint8_t> overrun = {0x00, 0x01, 0x09, 0x00, 0x05, 0x65, 0x88};
  auto walked = h264::for_each_nal(overrun, 2, count);
  ASSERT_FALSE(walked);
  EXPECT_TRUE(walked.error().is(Errc::truncated));
  EXPECT_EQ(calls, 0) << "a bad payload is refused whole";

  const std::vector<uint8_t> cut_prefix = {0x00, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00};
  EXPECT_TRUE(h264::for_each_nal(cut_prefix, 4, count).error().is(Errc::truncated));
  EXPECT_TRUE(h264::for_each_nal(cut_prefix, 0, count).error().is(Errc::malformed));
  EXPECT_TRUE(h264::for_each_nal(cut_prefix, 5, count).error().is(Errc::malformed));
  const std::vector<uint8_t> huge = {0xff, 0xff, 0xff, 0xff, 0x65};
  EXPECT_TRUE(h264::for_each_nal(huge, 4, count).error().is(Errc::truncated));
  EXPECT_EQ(calls, 0);
}

TEST(H264, RandomBytesNeverCrashTheParsers) {
  std::mt19937 rng(20240601);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = uint8_t(rng());
    if (!bytes.empty() && iteration % 2 == 0) bytes[0] = 0x67;  // get past the NAL header
    if (auto sps = parse_sps(bytes)) {
      EXPECT_GT(sps->width, 0u);
      EXPECT_LE(sps->width, 1055u * 16);
      EXPECT_GT(sps->height, 0u);
      EXPECT_LE(sps->height, 1055u * 16);
      h264::describe(*sps);
    }
    if (!bytes.empty() && iteration % 3 == 0) bytes[0] = 0x01;  // configurationVersion
    (void)parse_avc_decoder_config(bytes);
    (void)h264::for_each_nal(bytes, 1 + iteration % 4, [](std::span<const uint8_t>) {});
  }
}

TEST(H264, FlippedBitsInRealSpsNeverCrash) {
  std::mt19937 rng(7);
  for (const auto* original : {&kSps720, &kSps1080, &kSps444, &kSpsInterlaced}) {
    for (int iteration = 0; iteration < 5000; ++iteration) {
      auto nal = *original;
      for (int flips = 1 + int(rng() % 3); flips > 0; --flips) {
        const size_t bit = 8 + rng() % ((nal.size() - 1) * 8);  // keep the NAL header
        nal[bit / 8] ^= uint8_t(0x80 >> (bit % 8));
      }
      if (auto sps = parse_sps(nal)) {
        EXPECT_GT(sps->width, 0u);
        EXPECT_GT(sps->height, 0u);
      }
    }
  }
}

}  // namespace
}  // namespace relaycast
