// HEVC through MPEG-TS both ways (SRT publish and play, TS HLS) and into fMP4
// (LL-HLS, recordings): the demuxer turns ffmpeg's HEVC TS into an hvcC config and
// length-prefixed frames, the muxer and the fMP4 writers turn those back into what
// ffprobe reads as HEVC.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "shell_command.hpp"
#include "format/annexb.hpp"
#include "format/annexb_reader.hpp"
#include "format/fmp4_fragment.hpp"
#include "format/fmp4_init.hpp"
#include "format/mpegts_demuxer.hpp"
#include "format/mpegts_muxer.hpp"
#include "media/hevc_config_record.hpp"
#include "mp4_box_reader.hpp"
#include "recorded_rtmp.hpp"
#include "ts_reader.hpp"

namespace relaycast {
namespace {

namespace fs = std::filesystem;

// tests/fixtures/mpegts/make_fixtures.sh: 0.5 s of 128x72 HEVC (libx265, coded as
// 128x80 with a conformance window) at 25 fps, AAC LC 48 kHz mono.
struct HevcDemuxed {
  std::vector<MediaPacket> packets;
  std::vector<Error> problems;
  const MediaPacket* config(TrackKind kind) const {
    for (const auto& p : packets)
      if (p.kind == kind && p.config) return &p;
    return nullptr;
  }
  std::vector<const MediaPacket*> frames(TrackKind kind) const {
    std::vector<const MediaPacket*> out;
    for (const auto& p : packets)
      if (p.kind == kind && !p.config) out.push_back(&p);
    return out;
  }
};

HevcDemuxed demux_hevc(std::span<const uint8_t> ts) {
  mpegts::TsDemuxer demuxer;
  HevcDemuxed d;
  demuxer.feed(ts, d.packets);
  demuxer.finish(d.packets);
  d.problems = demuxer.take_problems();
  return d;
}

const HevcDemuxed& fixture() {
  static const HevcDemuxed d = demux_hevc(test::read_fixture("mpegts/hevc_aac.ts"));
  return d;
}

std::string hevc_problems_of(const HevcDemuxed& d) {
  std::string out;
  for (const auto& e : d.problems) out += e.message() + "\n";
  return out;
}

TEST(TsDemuxerHevc, CarriesHevcAsAnHvcCConfigAndFrames) {
  const auto& d = fixture();
  EXPECT_TRUE(d.problems.empty()) << hevc_problems_of(d);
  const MediaPacket* config = d.config(TrackKind::video);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->codec, Codec::hevc);
  auto record = hevc::parse_hevc_decoder_config(config->payload.span());
  ASSERT_TRUE(record) << record.error().message();
  ASSERT_EQ(record->sps.size(), 1u);
  auto sps = hevc::parse_sps(record->sps[0]);
  ASSERT_TRUE(sps) << sps.error().message();
  EXPECT_EQ(sps->width, 128u) << "the conformance window cuts the coded 128x80";
  EXPECT_EQ(sps->height, 72u);

  const auto video = d.frames(TrackKind::video);
  EXPECT_GE(video.size(), 11u) << "0.5 s at 25 fps";
  ASSERT_FALSE(video.empty());
  EXPECT_TRUE(video[0]->keyframe) << "the first access unit is an IRAP picture";
  EXPECT_EQ(video[0]->codec, Codec::hevc);
  for (size_t i = 1; i < video.size(); ++i) EXPECT_FALSE(video[i]->keyframe) << i << ": one GOP of 25 frames";
  for (const auto* frame : video) {
    // Length-prefixed, without the in-band parameter sets and delimiters.
    auto walked = h264::for_each_nal(frame->payload.span(), 4, [](std::span<const uint8_t> nal) {
      const uint8_t type = hevc::nal_type(nal[0]);
      EXPECT_FALSE(hevc::is_parameter_set(type) || type == uint8_t(hevc::NalType::aud)) << int(type);
    });
    EXPECT_TRUE(walked) << walked.error().message();
  }
  EXPECT_FALSE(d.frames(TrackKind::audio).empty()) << "the audio of an HEVC stream comes through too";
}

// ffmpeg's HEVC TS has its first picture before its first AAC frame; the outputs
// (recordings, HLS init segments) start with the tracks whose configurations they have,
// so both configurations come out before any frame, as from an RTMP publisher.
TEST(TsDemuxerHevc, BothConfigurationsComeBeforeTheFirstFrame) {
  const auto& d = fixture();
  ASSERT_GE(d.packets.size(), 3u);
  EXPECT_TRUE(d.packets[0].config);
  EXPECT_TRUE(d.packets[1].config);
  EXPECT_NE(d.packets[0].kind, d.packets[1].kind);
  for (size_t i = 2; i < d.packets.size(); ++i) EXPECT_FALSE(d.packets[i].config) << i;
}

TEST(TsMuxerHevc, PmtSaysStreamType0x24) {
  mpegts::TsMuxer muxer({.has_video = true, .has_audio = true, .video_codec = Codec::hevc});
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  auto contents = test::read_ts(ts);
  ASSERT_EQ(contents.sections.size(), 2u);
  EXPECT_EQ(contents.sections[1].bytes[12], mpegts::kStreamTypeHevc);
}

TEST(TsMuxerHevc, IrapPicturesGetAudVpsSpsPpsAndOtherPicturesAnAudOnly) {
  const auto& d = fixture();
  auto record = hevc::parse_hevc_decoder_config(d.config(TrackKind::video)->payload.span());
  ASSERT_TRUE(record);
  const auto video = d.frames(TrackKind::video);
  ASSERT_GE(video.size(), 2u);

  const std::vector<uint8_t> aud = {0, 0, 0, 1, 0x46, 0x01, 0x50};
  std::vector<uint8_t> key;
  ASSERT_TRUE(annexb::append_access_unit(video[0]->payload.span(), *record, true, key));
  std::vector<std::span<const uint8_t>> nals;
  annexb::split_nal_units(key, nals);
  ASSERT_GE(nals.size(), 5u);
  EXPECT_TRUE(std::equal(aud.begin(), aud.end(), key.begin())) << "the delimiter comes first";
  EXPECT_EQ(hevc::nal_type(nals[0][0]), 35);
  EXPECT_EQ(hevc::nal_type(nals[1][0]), 32);
  EXPECT_EQ(hevc::nal_type(nals[2][0]), 33);
  EXPECT_EQ(hevc::nal_type(nals[3][0]), 34);
  EXPECT_TRUE(std::ranges::equal(nals[2], record->sps[0]));

  std::vector<uint8_t> inter;
  ASSERT_TRUE(annexb::append_access_unit(video[1]->payload.span(), *record, false, inter));
  nals.clear();
  annexb::split_nal_units(inter, nals);
  EXPECT_TRUE(std::equal(aud.begin(), aud.end(), inter.begin()));
  for (size_t i = 1; i < nals.size(); ++i) EXPECT_FALSE(hevc::is_parameter_set(hevc::nal_type(nals[i][0])));
}

// What the SRT play session does: the demuxed stream muxed again, then demuxed again.
std::vector<uint8_t> remux(const HevcDemuxed& d) {
  mpegts::TsMuxer muxer({.has_video = true, .has_audio = true, .video_codec = Codec::hevc});
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  for (const auto& p : d.packets) {
    auto written = muxer.write_packet(p, ts);
    EXPECT_TRUE(written) << written.error().message();
  }
  return ts;
}

TEST(TsMuxerHevc, RoundTripKeepsFramesTimestampsAndKeyframes) {
  const auto& original = fixture();
  const auto ts = remux(original);
  const auto again = demux_hevc(ts);
  EXPECT_TRUE(again.problems.empty()) << hevc_problems_of(again);
  ASSERT_TRUE(again.config(TrackKind::video));
  EXPECT_TRUE(std::ranges::equal(again.config(TrackKind::video)->payload.span(),
                                 original.config(TrackKind::video)->payload.span()));
  const auto a = original.frames(TrackKind::video);
  const auto b = again.frames(TrackKind::video);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]->dts, b[i]->dts) << i;
    EXPECT_EQ(a[i]->pts, b[i]->pts) << i;
    EXPECT_EQ(a[i]->keyframe, b[i]->keyframe) << i;
    EXPECT_TRUE(std::ranges::equal(a[i]->payload.span(), b[i]->payload.span())) << i;
  }
  EXPECT_EQ(original.frames(TrackKind::audio).size(), again.frames(TrackKind::audio).size());
}

TEST(Fmp4Hevc, Hvc1SampleEntryCarriesTheSizeAndTheRecordVerbatim) {
  const auto& d = fixture();
  auto video = fmp4::track_from_config(1, *d.config(TrackKind::video));
  ASSERT_TRUE(video) << video.error().message();
  auto audio = fmp4::track_from_config(2, *d.config(TrackKind::audio));
  ASSERT_TRUE(audio) << audio.error().message();
  const std::vector<fmp4::TrackInfo> tracks = {*video, *audio};
  auto codecs = fmp4::codecs_attribute(tracks);
  ASSERT_TRUE(codecs) << codecs.error().message();
  EXPECT_EQ(*codecs, "hvc1.1.6.L30.90,mp4a.40.2");

  auto init = fmp4::make_init_segment(tracks);
  ASSERT_TRUE(init) << init.error().message();
  const auto boxes = test::read_boxes(*init);
  ASSERT_EQ(boxes.size(), 2u);
  const test::Mp4Box* stsd = boxes[1].all("trak").at(0)->path("mdia/minf/stbl/stsd");
  ASSERT_TRUE(stsd);
  const test::Mp4Box* hvc1 = stsd->child("hvc1");
  ASSERT_TRUE(hvc1) << "the sample entry is hvc1: all parameter sets are in the hvcC";
  EXPECT_EQ(load_u16be(hvc1->body.data() + 24), 128);
  EXPECT_EQ(load_u16be(hvc1->body.data() + 26), 72);
  const test::Mp4Box* hvcc = hvc1->child("hvcC");
  ASSERT_TRUE(hvcc);
  EXPECT_TRUE(std::ranges::equal(hvcc->body, d.config(TrackKind::video)->payload.span()));
}

TEST(Fmp4Hevc, Av1IsNotCarriedInFmp4OrTs) {
  EXPECT_FALSE(fmp4::carries(TrackKind::video, Codec::av1));
  EXPECT_TRUE(fmp4::carries(TrackKind::video, Codec::hevc));
  EXPECT_FALSE(mpegts::carries_video(Codec::av1));
  MediaPacket av1{.kind = TrackKind::video, .codec = Codec::av1, .config = true, .payload = Buffer::copy_of("\x81")};
  auto track = fmp4::track_from_config(1, av1);
  ASSERT_FALSE(track);
  EXPECT_TRUE(track.error().is(Errc::unsupported)) << track.error().message();
}

// --- What ffprobe makes of it ------------------------------------------------------

using test::CommandResult;

class HevcFfprobe : public ::testing::Test {
protected:
  void SetUp() override {
    if (test::run_command("command -v ffprobe >/dev/null").status != 0) GTEST_SKIP() << "ffprobe not installed";
    std::string pattern = (fs::temp_directory_path() / "relaycast-hevc-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(pattern.data()));
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  // "codec_name,width,height" of the video stream, and the number of video frames read.
  std::string probe(const fs::path& file) {
    auto r = test::run_command(
        "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
        "stream=codec_name,width,height,nb_read_frames -of csv=p=0 '" +
        file.string() + "' 2>&1");
    EXPECT_EQ(r.status, 0) << r.output;
    // A transport stream lists its streams twice (in the program, then alone): the first line.
    std::string line = r.output.substr(0, r.output.find('\n'));
    while (!line.empty() && line.back() == ',') line.pop_back();
    return line;
  }
  void write(const fs::path& path, std::span<const uint8_t> bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  fs::path dir_;
};

TEST_F(HevcFfprobe, ReadsTheRemuxedTransportStream) {
  const auto& d = fixture();
  write(dir_ / "remuxed.ts", remux(d));
  EXPECT_EQ(probe(dir_ / "remuxed.ts"), fmt::format("hevc,128,72,{}", d.frames(TrackKind::video).size()));
}

TEST_F(HevcFfprobe, ReadsTheFragmentedMp4) {
  const auto& d = fixture();
  auto video = fmp4::track_from_config(1, *d.config(TrackKind::video));
  ASSERT_TRUE(video);
  const std::vector<fmp4::TrackInfo> tracks = {*video};
  auto file = fmp4::make_init_segment(tracks);
  ASSERT_TRUE(file);
  const auto frames = d.frames(TrackKind::video);
  std::vector<fmp4::Sample> samples;
  for (size_t i = 0; i < frames.size(); ++i) {
    const int64_t next = i + 1 < frames.size() ? frames[i + 1]->dts : frames[i]->dts + 3600;
    samples.push_back({.track_id = 1, .dts = frames[i]->dts, .pts = frames[i]->pts,
                       .duration = uint32_t(next - frames[i]->dts), .keyframe = frames[i]->keyframe,
                       .data = frames[i]->payload});
  }
  auto fragment = fmp4::make_fragment(1, tracks, samples);
  ASSERT_TRUE(fragment) << fragment.error().message();
  file->insert(file->end(), fragment->begin(), fragment->end());
  write(dir_ / "hevc.mp4", *file);
  EXPECT_EQ(probe(dir_ / "hevc.mp4"), fmt::format("hevc,128,72,{}", frames.size()));
}

}  // namespace
}  // namespace relaycast
