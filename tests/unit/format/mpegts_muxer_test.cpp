#include "format/mpegts_muxer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "format/mpegts_pes.hpp"
#include "ts_reader.hpp"

namespace relaycast {
namespace {

using mpegts::kAudioPid;
using mpegts::kPmtPid;
using mpegts::kVideoPid;
using mpegts::TsMuxer;

const std::vector<uint8_t> kSps = {0x67, 0x42, 0xc0, 0x1e, 0xd9};
const std::vector<uint8_t> kPps = {0x68, 0xce, 0x3c, 0x80};
const std::vector<uint8_t> kAud = {0x09, 0xf0};
const std::vector<uint8_t> kAacLc44100Stereo = {0x12, 0x10};

// ISO/IEC 14496-15 5.3.3.1 with one SPS and one PPS.
std::vector<uint8_t> avcc_record(int length_size = 4) {
  std::vector<uint8_t> r = {0x01, 0x42, 0xc0, 0x1e, uint8_t(0xfc | (length_size - 1)), 0xe1};
  ByteWriter w(r);
  w.u16be(uint16_t(kSps.size()));
  w.bytes(kSps);
  w.u8(1);
  w.u16be(uint16_t(kPps.size()));
  w.bytes(kPps);
  return r;
}

std::vector<uint8_t> avcc_of(const std::vector<std::vector<uint8_t>>& nals, int length_size = 4) {
  std::vector<uint8_t> out;
  for (const auto& nal : nals) {
    for (int i = length_size - 1; i >= 0; --i) out.push_back(uint8_t(nal.size() >> (8 * i)));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

std::vector<uint8_t> nal_of(uint8_t header, size_t size) {
  std::vector<uint8_t> nal(size, 0);
  nal[0] = header;
  for (size_t i = 1; i < size; ++i) nal[i] = uint8_t(0x10 + i % 200);  // no start code inside
  return nal;
}

MediaPacket video(int64_t dts, int64_t pts, bool keyframe, const std::vector<uint8_t>& payload) {
  return {.kind = TrackKind::video, .codec = Codec::h264, .dts = dts, .pts = pts, .keyframe = keyframe,
          .payload = Buffer::copy_of(payload)};
}

MediaPacket audio(int64_t pts, const std::vector<uint8_t>& frame) {
  return {.kind = TrackKind::audio, .codec = Codec::aac, .dts = pts, .pts = pts, .keyframe = true,
          .payload = Buffer::copy_of(frame)};
}

TsMuxer configured_muxer(mpegts::TsMuxerConfig config = {}) {
  TsMuxer muxer(config);
  if (config.has_video) {
    EXPECT_TRUE(muxer.set_video_config(avcc_record()));
  }
  if (config.has_audio) {
    EXPECT_TRUE(muxer.set_audio_config(kAacLc44100Stereo));
  }
  return muxer;
}

std::vector<uint8_t> concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

const std::vector<uint8_t> kLong = {0, 0, 0, 1};
const std::vector<uint8_t> kShort = {0, 0, 1};

TEST(TsMuxer, TablesAreOnePatAndOnePmtPacket) {
  TsMuxer muxer(mpegts::TsMuxerConfig{});
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  ASSERT_EQ(ts.size(), 2 * 188u);
  auto contents = test::read_ts(ts);
  EXPECT_TRUE(contents.errors.empty()) << contents.errors.front();
  ASSERT_EQ(contents.sections.size(), 2u);
  // FFmpeg writes this very PAT: tsid 1, program 1 on PID 0x1000.
  EXPECT_EQ(contents.sections[0].pid, mpegts::kPatPid);
  EXPECT_EQ(contents.sections[0].bytes, (std::vector<uint8_t>{0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00,
                                                               0x01, 0xf0, 0x00, 0x2a, 0xb1, 0x04, 0xb2}));
  const auto& pmt = contents.sections[1];
  EXPECT_EQ(pmt.pid, kPmtPid);
  ASSERT_EQ(pmt.bytes.size(), 12u + 2 * 5 + 4);
  EXPECT_EQ(pmt.bytes[0], 0x02);
  EXPECT_EQ(load_u16be(&pmt.bytes[8]) & 0x1fff, kVideoPid) << "PCR on the video PID";
  EXPECT_EQ(pmt.bytes[12], mpegts::kStreamTypeH264);
  EXPECT_EQ(load_u16be(&pmt.bytes[13]) & 0x1fff, kVideoPid);
  EXPECT_EQ(pmt.bytes[17], mpegts::kStreamTypeAacAdts);
  EXPECT_EQ(load_u16be(&pmt.bytes[18]) & 0x1fff, kAudioPid);
}

TEST(TsMuxer, AudioOnlyPutsThePcrOnAudio) {
  auto muxer = configured_muxer({.has_video = false, .has_audio = true});
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  ASSERT_TRUE(muxer.write_packet(audio(0, std::vector<uint8_t>(300, 0x21)), ts));
  auto contents = test::read_ts(ts);
  EXPECT_TRUE(contents.errors.empty()) << contents.errors.front();
  const auto& pmt = contents.sections[1].bytes;
  ASSERT_EQ(pmt.size(), 12u + 5 + 4);
  EXPECT_EQ(load_u16be(&pmt[8]) & 0x1fff, kAudioPid);
  ASSERT_EQ(contents.pes.size(), 1u);
  EXPECT_TRUE(contents.pes[0].pcr);
  EXPECT_FALSE(contents.packets_per_pid.contains(kVideoPid));
}

TEST(TsMuxer, KeyframeIsAudSpsPpsThenTheFrameWithPcrAndRandomAccess) {
  auto muxer = configured_muxer();
  const auto sei = nal_of(0x06, 20);
  const auto idr = nal_of(0x65, 1000);
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(video(90000, 93000, true, avcc_of({sei, idr})), ts));
  auto contents = test::read_ts(ts);
  ASSERT_TRUE(contents.errors.empty()) << contents.errors.front();
  ASSERT_EQ(contents.pes.size(), 1u);
  const auto& pes = contents.pes[0];
  EXPECT_EQ(pes.pid, kVideoPid);
  EXPECT_EQ(pes.stream_id, 0xe0);
  EXPECT_EQ(pes.declared_length, 0) << "video PES are unbounded";
  EXPECT_EQ(pes.pts, 93000u);
  EXPECT_EQ(pes.dts, 90000u);
  EXPECT_TRUE(pes.random_access);
  EXPECT_EQ(pes.pcr, uint64_t(90000 - mpegts::kPcrDelay));
  EXPECT_EQ(pes.data, concat({kLong, kAud, kLong, kSps, kLong, kPps, kShort, sei, kShort, idr}));
}

TEST(TsMuxer, InterFrameGetsAnAudButNoParameterSetsAndLosesItsOwnAud) {
  auto muxer = configured_muxer();
  const auto slice = nal_of(0x41, 500);
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(video(3000, 3000, false, avcc_of({kAud, slice})), ts));
  auto contents = test::read_ts(ts);
  ASSERT_EQ(contents.pes.size(), 1u);
  EXPECT_EQ(contents.pes[0].data, concat({kLong, kAud, kShort, slice}));
  EXPECT_FALSE(contents.pes[0].random_access);
  EXPECT_EQ(contents.pes[0].pts, 3000u);
  EXPECT_FALSE(contents.pes[0].dts) << "a DTS equal to the PTS is left out";
}

TEST(TsMuxer, KeyframeWithParameterSetsInBandGetsNoSecondCopy) {
  auto muxer = configured_muxer();
  const std::vector<uint8_t> other_sps = {0x67, 0x64, 0x00, 0x1f};
  const auto idr = nal_of(0x65, 100);
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(video(0, 0, true, avcc_of({other_sps, kPps, idr})), ts));
  auto contents = test::read_ts(ts);
  ASSERT_EQ(contents.pes.size(), 1u);
  EXPECT_EQ(contents.pes[0].data, concat({kLong, kAud, kLong, other_sps, kLong, kPps, kShort, idr}));
}

TEST(TsMuxer, IdrWithoutKeyframeFlagStillGetsParameterSets) {
  auto muxer = configured_muxer();
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(video(0, 0, false, avcc_of({nal_of(0x65, 50)})), ts));
  auto contents = test::read_ts(ts);
  ASSERT_EQ(contents.pes.size(), 1u);
  EXPECT_EQ(test::annexb_nal_types(contents.pes[0].data), (std::vector<int>{9, 7, 8, 5}));
}

TEST(TsMuxer, HonoursTheConfiguredNalLengthSize) {
  TsMuxer muxer(mpegts::TsMuxerConfig{.has_video = true, .has_audio = false});
  ASSERT_TRUE(muxer.set_video_config(avcc_record(2)));
  const auto slice = nal_of(0x41, 300);
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(video(0, 0, false, avcc_of({slice}, 2)), ts));
  auto contents = test::read_ts(ts);
  ASSERT_EQ(contents.pes.size(), 1u);
  EXPECT_EQ(contents.pes[0].data, concat({kLong, kAud, kShort, slice}));
}

TEST(TsMuxer, AudioIsOneAdtsFramePerPesWithItsExactLength) {
  auto muxer = configured_muxer();
  const std::vector<uint8_t> frame(371, 0x5a);
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(audio(12345, frame), ts));
  auto contents = test::read_ts(ts);
  ASSERT_TRUE(contents.errors.empty()) << contents.errors.front();
  ASSERT_EQ(contents.pes.size(), 1u);
  const auto& pes = contents.pes[0];
  EXPECT_EQ(pes.pid, kAudioPid);
  EXPECT_EQ(pes.stream_id, 0xc0);
  EXPECT_EQ(pes.declared_length, 3 + 5 + 7 + frame.size());
  EXPECT_EQ(pes.pts, 12345u);
  EXPECT_FALSE(pes.dts);
  EXPECT_TRUE(pes.random_access);
  ASSERT_EQ(pes.data.size(), 7 + frame.size());
  auto config = aac::parse_audio_specific_config(kAacLc44100Stereo);
  auto adts = aac::make_adts_header(*config, frame.size());
  EXPECT_TRUE(std::equal(adts->begin(), adts->end(), pes.data.begin()));
  EXPECT_TRUE(std::equal(frame.begin(), frame.end(), pes.data.begin() + 7));
}

TEST(TsMuxer, TimestampsWrapModulo2To33) {
  auto muxer = configured_muxer();
  constexpr int64_t k2To33 = int64_t(1) << 33;
  std::vector<uint8_t> ts;
  ASSERT_TRUE(muxer.write_packet(video(k2To33 + 100, 3 * k2To33 + 4000, true, avcc_of({nal_of(0x65, 10)})), ts));
  ASSERT_TRUE(muxer.write_packet(audio(k2To33 - 1, std::vector<uint8_t>(10, 1)), ts));
  auto contents = test::read_ts(ts);
  ASSERT_EQ(contents.pes.size(), 2u);
  EXPECT_EQ(contents.pes[0].dts, 100u);
  EXPECT_EQ(contents.pes[0].pts, 4000u);
  EXPECT_EQ(contents.pes[0].pcr, uint64_t(k2To33 + 100 - mpegts::kPcrDelay) & mpegts::kTimestampMask);
  EXPECT_EQ(contents.pes[1].pts, uint64_t(k2To33 - 1));
}

TEST(TsMuxer, TimestampFieldsHaveTheirMarkerBits) {
  uint8_t header[mpegts::kMaxPesHeaderSize];
  ASSERT_EQ(mpegts::write_pes_header(0xe0, 0x1ffffffff, 0, 0, header), 19u);
  // All PTS bits set: every byte of it is all ones, the prefix aside.
  EXPECT_EQ(header[9], 0x3f);
  for (int i = 10; i < 14; ++i) EXPECT_EQ(header[i], 0xff) << i;
  EXPECT_EQ(header[14], 0x11);
  EXPECT_EQ(header[16], 0x01);
  EXPECT_EQ(header[18], 0x01);
  EXPECT_EQ(test::read_ts_timestamp(&header[9], 0x3), 0x1ffffffffu);
  EXPECT_EQ(test::read_ts_timestamp(&header[14], 0x1), 0u);
}

// Every PES size from one packet to several, so that each way of stuffing the last
// packet (no stuffing, a lone adaptation_field_length byte, flags and 0xff) comes up.
TEST(TsMuxer, EveryPesSizeIsStuffedToWholePackets) {
  auto muxer = configured_muxer();
  std::vector<uint8_t> ts;
  std::vector<std::vector<uint8_t>> frames;
  for (size_t size = 1; size <= 600; ++size) {
    frames.push_back(std::vector<uint8_t>(size, uint8_t(size)));
    ASSERT_TRUE(muxer.write_packet(audio(int64_t(size) * 1920, frames.back()), ts));
    frames.push_back(nal_of(0x41, size));
    const int64_t t = int64_t(size) * 1920;
    ASSERT_TRUE(muxer.write_packet(video(t, t, false, avcc_of({frames.back()})), ts));
  }
  auto contents = test::read_ts(ts);
  ASSERT_TRUE(contents.errors.empty()) << contents.errors.front();
  ASSERT_EQ(contents.pes.size(), frames.size());
  for (size_t i = 0; i < frames.size(); i += 2) {
    EXPECT_EQ(std::vector<uint8_t>(contents.pes[i].data.begin() + 7, contents.pes[i].data.end()), frames[i]) << i;
    EXPECT_EQ(contents.pes[i + 1].data, concat({kLong, kAud, kShort, frames[i + 1]})) << i;
  }
}

TEST(TsMuxer, CountersContinueAcrossSegments) {
  auto muxer = configured_muxer();
  std::vector<uint8_t> ts;
  for (int segment = 0; segment < 20; ++segment) {
    muxer.write_tables(ts);
    for (int frame = 0; frame < 5; ++frame) {
      const int64_t t = (segment * 5 + frame) * 3000;
      ASSERT_TRUE(muxer.write_packet(video(t, t, frame == 0, avcc_of({nal_of(frame == 0 ? 0x65 : 0x41, 700)})), ts));
      ASSERT_TRUE(muxer.write_packet(audio(t, std::vector<uint8_t>(200, 3)), ts));
    }
  }
  auto contents = test::read_ts(ts);
  EXPECT_TRUE(contents.errors.empty()) << contents.errors.front();
  EXPECT_EQ(contents.packets_per_pid[mpegts::kPatPid], 20u);
  EXPECT_EQ(contents.packets_per_pid[kPmtPid], 20u);
  // The PAT of the second segment carries counter 1, not 0 again.
  EXPECT_EQ(ts[contents.sections[2].packet * 188 + 3] & 0x0f, 1);
}

// 2.7.2: at most 100 ms between PCRs, also when video comes once a second (slides).
TEST(TsMuxer, SparseVideoGetsPcrOnlyPacketsBetweenAudioFrames) {
  auto muxer = configured_muxer();
  std::vector<uint8_t> ts;
  muxer.write_tables(ts);
  constexpr int64_t kAacFrame = 1024 * 90000 / 44100;
  int64_t audio_time = 0;
  for (int64_t second = 0; second < 5; ++second) {
    const int64_t t = second * 90000;
    ASSERT_TRUE(muxer.write_packet(video(t, t, true, avcc_of({nal_of(0x65, 400)})), ts));
    for (; audio_time < t + 90000; audio_time += kAacFrame) {
      ASSERT_TRUE(muxer.write_packet(audio(audio_time, std::vector<uint8_t>(100, 7)), ts));
    }
  }
  auto contents = test::read_ts(ts);
  ASSERT_TRUE(contents.errors.empty()) << contents.errors.front();
  size_t pcr_only = 0;
  for (size_t i = 0; i < contents.pcrs.size(); ++i) {
    EXPECT_EQ(contents.pcrs[i].pid, kVideoPid);
    pcr_only += !contents.pcrs[i].payload;
    if (i > 0) {
      EXPECT_GE(contents.pcrs[i].base, contents.pcrs[i - 1].base);
      if (contents.pcrs[i - 1].base > 0) {
        EXPECT_LE(contents.pcrs[i].base - contents.pcrs[i - 1].base, 9000u) << i;
      }
    }
  }
  EXPECT_GT(pcr_only, 40u);
}

TEST(TsMuxer, ConfigPacketsSetTheConfig) {
  TsMuxer muxer(mpegts::TsMuxerConfig{});
  std::vector<uint8_t> ts;
  auto config = video(0, 0, false, avcc_record());
  config.config = true;
  ASSERT_TRUE(muxer.write_packet(config, ts));
  auto asc = audio(0, kAacLc44100Stereo);
  asc.config = true;
  ASSERT_TRUE(muxer.write_packet(asc, ts));
  EXPECT_TRUE(ts.empty());
  EXPECT_TRUE(muxer.write_packet(video(0, 0, true, avcc_of({nal_of(0x65, 10)})), ts));
  EXPECT_TRUE(muxer.write_packet(audio(0, {1, 2, 3}), ts));
}

// Hostile and unexpected input: an error, nothing written, never a crash.

void expect_error(TsMuxer& muxer, const MediaPacket& packet, Errc code, std::string_view mentions) {
  std::vector<uint8_t> ts;
  auto written = muxer.write_packet(packet, ts);
  ASSERT_FALSE(written);
  EXPECT_TRUE(written.error().is(code)) << written.error().message();
  EXPECT_NE(written.error().message().find(mentions), std::string::npos) << written.error().message();
  EXPECT_TRUE(ts.empty());
}

TEST(TsMuxer, FramesBeforeTheirConfigAreErrorsNamingTheTrack) {
  TsMuxer muxer(mpegts::TsMuxerConfig{});
  expect_error(muxer, video(0, 0, true, avcc_of({nal_of(0x65, 10)})), Errc::malformed, "video config");
  expect_error(muxer, audio(0, {1, 2, 3}), Errc::malformed, "audio config");
}

TEST(TsMuxer, NalLengthsOverrunningThePayloadAreErrors) {
  auto muxer = configured_muxer();
  auto payload = avcc_of({nal_of(0x65, 100)});
  payload.pop_back();
  expect_error(muxer, video(0, 0, true, payload), Errc::truncated, "H.264 frame");
  expect_error(muxer, video(0, 0, true, {0x00, 0x00}), Errc::truncated, "H.264 frame");
}

TEST(TsMuxer, RefusesWhatItCannotCarry) {
  auto muxer = configured_muxer({.has_video = true, .has_audio = false});
  expect_error(muxer, audio(0, {1, 2, 3}), Errc::unsupported, "no audio track");
  auto hevc = video(0, 0, true, avcc_of({nal_of(0x26, 10)}));
  hevc.codec = Codec::hevc;
  expect_error(muxer, hevc, Errc::unsupported, "hevc");
  MediaPacket data{.kind = TrackKind::data, .codec = Codec::script, .payload = Buffer::copy_of("x")};
  expect_error(muxer, data, Errc::ignored, "data");
  expect_error(muxer, video(0, 0, false, {}), Errc::ignored, "empty");
}

TEST(TsMuxer, BadConfigsAreErrors) {
  TsMuxer muxer(mpegts::TsMuxerConfig{});
  EXPECT_FALSE(muxer.set_video_config(std::vector<uint8_t>{0x01, 0x42}));
  EXPECT_FALSE(muxer.set_audio_config(std::vector<uint8_t>{0x12}));
  // AAC Main with channel configuration 0 parses but has no ADTS form without a PCE.
  auto no_adts = muxer.set_audio_config(std::vector<uint8_t>{0x0a, 0x00});
  EXPECT_FALSE(no_adts);
}

TEST(TsMuxer, SurvivesRandomPayloads) {
  auto muxer = configured_muxer();
  std::mt19937 rng(7);
  std::vector<uint8_t> ts;
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = uint8_t(rng() % 4 == 0 ? rng() : rng() % 3);
    const size_t before = ts.size();
    auto written = muxer.write_packet(video(i, i, i % 3 == 0, bytes), ts);
    if (!written) {
      EXPECT_EQ(ts.size(), before);
    }
    EXPECT_EQ(ts.size() % 188, 0u);
  }
  auto contents = test::read_ts(ts);
  EXPECT_TRUE(contents.errors.empty()) << contents.errors.front();
}

}  // namespace
}  // namespace relaycast
