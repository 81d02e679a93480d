#include "format/flv.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "format/amf0.hpp"
#include "recorded_rtmp.hpp"

namespace relaycast {
namespace {

Buffer buffer_of(std::string_view s) { return Buffer::copy_of(s); }

std::vector<uint8_t> concat(const std::vector<uint8_t>& a, std::span<const uint8_t> b) {
  auto out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<test::RecordedMessage> media_messages(const std::string& file) {
  std::vector<test::RecordedMessage> out;
  for (auto& msg : test::recorded_messages(test::read_fixture("rtmp/" + file))) {
    if (msg.type == flv::kTagAudio || msg.type == flv::kTagVideo || msg.type == flv::kTagScript) out.push_back(msg);
  }
  return out;
}

// What an FLV recorder would write for these messages.
std::vector<uint8_t> flv_file_of(const std::vector<test::RecordedMessage>& messages) {
  std::vector<uint8_t> file;
  flv::write_file_header(true, true, file);
  for (const auto& msg : messages) {
    uint8_t header[flv::kTagHeaderSize];
    flv::write_tag_header(msg.type, uint32_t(msg.body.size()), msg.timestamp_ms, header);
    file.insert(file.end(), std::begin(header), std::end(header));
    file.insert(file.end(), msg.body.begin(), msg.body.end());
    uint8_t previous[4];
    flv::write_previous_tag_size(uint32_t(msg.body.size()), previous);
    file.insert(file.end(), std::begin(previous), std::end(previous));
  }
  return file;
}

// Feeds `file` in slices whose sizes come from `next_slice`.
template <class NextSlice>
std::vector<flv::Tag> read_in_slices(std::span<const uint8_t> file, NextSlice next_slice) {
  flv::FlvReader reader;
  std::vector<flv::Tag> tags;
  while (!file.empty()) {
    const size_t n = std::min(next_slice(), file.size());
    auto r = reader.feed(file.first(n), tags);
    EXPECT_TRUE(r) << r.error().message();
    file = file.subspan(n);
  }
  EXPECT_TRUE(reader.at_boundary());
  return tags;
}

TEST(FlvWriter, FileHeaderIsNineBytesAndPreviousTagSizeZero) {
  std::vector<uint8_t> out;
  flv::write_file_header(true, true, out);
  EXPECT_EQ(out, test::bytes_of(std::string_view("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00", 13)));
  out.clear();
  flv::write_file_header(false, true, out);
  EXPECT_EQ(out[4], 0x01);
  out.clear();
  flv::write_file_header(true, false, out);
  EXPECT_EQ(out[4], 0x04);
}

TEST(FlvWriter, TagHeaderPutsTheTopTimestampByteLast) {
  uint8_t header[flv::kTagHeaderSize];
  flv::write_tag_header(flv::kTagVideo, 0x123456, 0x87654321, header);
  EXPECT_EQ(std::vector<uint8_t>(std::begin(header), std::end(header)),
            test::bytes_of(std::string_view("\x09\x12\x34\x56\x65\x43\x21\x87\x00\x00\x00", 11)));
}

TEST(FlvReader, ReadsWhatWasWrittenInAnySlices) {
  const auto messages = media_messages("ffmpeg-publish.c2s.bin");
  ASSERT_GT(messages.size(), 50u);
  const auto file = flv_file_of(messages);
  std::mt19937 rng(9);
  std::uniform_int_distribution<size_t> random_size(1, 3000);
  for (auto tags : {read_in_slices(file, [] { return size_t(1); }), read_in_slices(file, [&] { return random_size(rng); }),
                    read_in_slices(file, [&] { return file.size(); })}) {
    ASSERT_EQ(tags.size(), messages.size());
    for (size_t i = 0; i < tags.size(); ++i) {
      EXPECT_EQ(tags[i].type, messages[i].type) << i;
      EXPECT_EQ(tags[i].timestamp_ms, messages[i].timestamp_ms) << i;
      EXPECT_TRUE(std::ranges::equal(tags[i].body.span(), messages[i].body)) << i;
    }
  }
}

TEST(FlvReader, KeepsTheFullTimestampAndEmptyTags) {
  std::vector<uint8_t> file;
  flv::write_file_header(false, false, file);
  uint8_t tag[flv::kTagHeaderSize + 4];
  flv::write_tag_header(flv::kTagScript, 0, 0xfedcba98, tag);
  flv::write_previous_tag_size(0, tag + flv::kTagHeaderSize);
  file.insert(file.end(), std::begin(tag), std::end(tag));
  auto tags = read_in_slices(file, [] { return size_t(1); });
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].timestamp_ms, 0xfedcba98u);
  EXPECT_TRUE(tags[0].body.empty());
}

TEST(FlvReader, SkipsALongerHeader) {
  auto file =
      test::bytes_of(std::string_view("FLV\x01\x01\x00\x00\x00\x0c"
                                      "abc\x00\x00\x00\x00",
                                      16));
  uint8_t tag[flv::kTagHeaderSize];
  flv::write_tag_header(flv::kTagVideo, 1, 40, tag);
  file.insert(file.end(), std::begin(tag), std::end(tag));
  file.push_back(0x17);
  auto tags = read_in_slices(file, [] { return size_t(2); });
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].timestamp_ms, 40u);
}

Error first_error(std::span<const uint8_t> file, size_t max_tag_size = flv::FlvReader::kDefaultMaxTagSize) {
  flv::FlvReader reader(max_tag_size);
  std::vector<flv::Tag> tags;
  auto r = reader.feed(file, tags);
  EXPECT_FALSE(r);
  EXPECT_FALSE(reader.at_boundary());
  auto again = reader.feed(test::bytes_of("more"), tags);
  EXPECT_FALSE(again) << "an error must be final";
  return r ? Error(Errc::malformed, "no error") : r.error();
}

TEST(FlvReader, ChecksTheHeader) {
  EXPECT_TRUE(first_error(test::bytes_of(std::string_view("FLX\x01\x05\x00\x00\x00\x09", 9))).is(Errc::malformed));
  EXPECT_TRUE(first_error(test::bytes_of(std::string_view("FLV\x02\x05\x00\x00\x00\x09", 9))).is(Errc::unsupported));
  EXPECT_TRUE(first_error(test::bytes_of(std::string_view("FLV\x01\x05\x00\x00\x00\x05", 9))).is(Errc::malformed));
}

TEST(FlvReader, ChecksPreviousTagSize) {
  auto file = flv_file_of({{.type = flv::kTagAudio, .timestamp_ms = 0, .stream_id = 0, .body = {0xaf, 0x01, 0x21}}});
  // Corrupt the PreviousTagSize after the only tag, then start another tag.
  file.back() ^= 1;
  file.push_back(flv::kTagAudio);
  auto error = first_error(file);
  EXPECT_TRUE(error.is(Errc::malformed)) << error.message();
  EXPECT_NE(error.message().find("PreviousTagSize"), std::string::npos) << error.message();

  auto first = test::bytes_of(std::string_view("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x07", 13));
  EXPECT_TRUE(first_error(first).is(Errc::malformed)) << "PreviousTagSize0 must be 0";
}

TEST(FlvReader, RefusesTagsOverTheLimitBeforeReadingThem) {
  std::vector<uint8_t> file;
  flv::write_file_header(true, true, file);
  uint8_t tag[flv::kTagHeaderSize];
  flv::write_tag_header(flv::kTagVideo, 1001, 0, tag);
  file.insert(file.end(), std::begin(tag), std::end(tag));
  EXPECT_TRUE(first_error(file, 1000).is(Errc::too_large));

  tag[0] = 0x20 | flv::kTagVideo;  // Filter bit: encrypted
  std::vector<uint8_t> encrypted;
  flv::write_file_header(true, true, encrypted);
  encrypted.insert(encrypted.end(), std::begin(tag), std::end(tag));
  EXPECT_TRUE(first_error(encrypted).is(Errc::unsupported));
}

TEST(FlvReader, AtBoundaryTellsACutFile) {
  const auto file = flv_file_of(media_messages("ffmpeg-publish.c2s.bin"));
  flv::FlvReader reader;
  std::vector<flv::Tag> tags;
  ASSERT_TRUE(reader.feed(std::span(file).first(file.size() - 5), tags));
  EXPECT_FALSE(reader.at_boundary());
  ASSERT_TRUE(reader.feed(std::span(file).last(5), tags));
  EXPECT_TRUE(reader.at_boundary());
}

TEST(FlvReader, SurvivesRandomBytes) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> any(0, 255);
  std::uniform_int_distribution<size_t> length(0, 200);
  std::vector<uint8_t> header;
  flv::write_file_header(true, true, header);
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> noise(length(rng));
    for (auto& b : noise) b = uint8_t(any(rng));
    // Small declared sizes keep the tags short enough for some to complete.
    if (noise.size() > 4) noise[1] = noise[2] = 0;
    flv::FlvReader reader(1 << 16);
    std::vector<flv::Tag> tags;
    auto r = reader.feed(concat(header, noise), tags);
    for (const auto& tag : tags) (void)flv::body_to_packet(tag.type, tag.timestamp_ms, tag.body);
    if (!r) {
      EXPECT_FALSE(r.error().message().empty());
    }
  }
}

// Walks the 4-byte length-prefixed NAL units (what ffmpeg's AVCC uses) to the end.
bool nal_units_fill(const Buffer& payload) {
  ByteReader r(payload.span());
  while (!r.empty()) {
    auto n = r.u32be();
    if (!n || *n == 0 || !r.skip(*n)) return false;
  }
  return true;
}

void check_published_media(const std::string& file) {
  SCOPED_TRACE(file);
  int video_configs = 0, audio_configs = 0, keyframes = 0, video_frames = 0, audio_frames = 0, metadata = 0;
  for (const auto& msg : media_messages(file)) {
    const auto body = Buffer::copy_of(msg.body);
    auto p = flv::body_to_packet(msg.type, msg.timestamp_ms, body);
    if (!p) {
      // ffmpeg ends its stream with an AVC end of sequence.
      EXPECT_TRUE(p.error().is(Errc::ignored)) << p.error().message();
      EXPECT_NE(p.error().message().find("end of sequence"), std::string::npos) << p.error().message();
      continue;
    }
    EXPECT_EQ(p->dts, ms_to_ticks(msg.timestamp_ms));
    EXPECT_GE(p->payload.data(), body.data()) << "the payload must be a slice, not a copy";
    EXPECT_LE(p->payload.data() + p->payload.size(), body.data() + body.size());
    EXPECT_EQ(flv::tag_type(p->kind), msg.type);

    if (p->kind == TrackKind::data) {
      auto values = amf0::decode_all(p->payload.span());
      ASSERT_TRUE(values) << values.error().message();
      EXPECT_NE((*values)[0].as_string(), "@setDataFrame") << "@setDataFrame must be sliced off";
      metadata += (*values)[0].as_string() == "onMetaData";
      continue;
    }
    // Prefix + payload gives back the encoder's bytes exactly.
    uint8_t prefix[flv::kMaxBodyPrefix];
    const size_t n = flv::body_prefix(*p, prefix);
    std::vector<uint8_t> rebuilt(prefix, prefix + n);
    rebuilt.insert(rebuilt.end(), p->payload.span().begin(), p->payload.span().end());
    EXPECT_EQ(rebuilt, msg.body);

    if (p->kind == TrackKind::video) {
      EXPECT_EQ(p->codec, Codec::h264);
      EXPECT_GE(p->pts, p->dts);
      if (p->config) {
        ++video_configs;
        EXPECT_EQ(p->payload[0], 1) << "AVCDecoderConfigurationRecord version";
      } else {
        ++video_frames;
        keyframes += p->keyframe;
        if (video_frames == 1) {
          EXPECT_TRUE(p->keyframe) << "the first frame must be a keyframe";
        }
        EXPECT_TRUE(nal_units_fill(p->payload));
      }
    } else {
      EXPECT_EQ(p->codec, Codec::aac);
      EXPECT_EQ(p->pts, p->dts);
      if (p->config) {
        ++audio_configs;
        EXPECT_GE(p->payload.size(), 2u) << "AudioSpecificConfig";
      } else {
        ++audio_frames;
      }
    }
  }
  EXPECT_EQ(video_configs, 1);
  EXPECT_EQ(audio_configs, 1);
  EXPECT_GE(keyframes, 2) << "a keyframe every second for about 3 s";
  EXPECT_LT(keyframes, video_frames);
  EXPECT_GT(audio_frames, 50);
  EXPECT_GE(metadata, 1);
}

TEST(FlvMedia, ConvertsFfmpegPublish) { check_published_media("ffmpeg-publish.c2s.bin"); }
TEST(FlvMedia, ConvertsLibrtmpPublish) { check_published_media("librtmp-publish.c2s.bin"); }
TEST(FlvMedia, ConvertsNginxPlayback) { check_published_media("rtmpdump-play.s2c.bin"); }

TEST(FlvMedia, AvcCompositionTimeIsSigned) {
  auto p = flv::body_to_packet(flv::kTagVideo, 1000, buffer_of(std::string_view("\x27\x01\xff\xff\xfe\x00\x00\x00\x01\x41", 10)));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_FALSE(p->keyframe);
  EXPECT_FALSE(p->config);
  EXPECT_EQ(p->dts, ms_to_ticks(1000));
  EXPECT_EQ(p->pts, ms_to_ticks(998));
  EXPECT_EQ(p->payload.size(), 5u);
  uint8_t prefix[flv::kMaxBodyPrefix];
  ASSERT_EQ(flv::body_prefix(*p, prefix), 5u);
  EXPECT_EQ(std::vector<uint8_t>(prefix, prefix + 5), test::bytes_of(std::string_view("\x27\x01\xff\xff\xfe", 5)));
}

TEST(FlvMedia, CutHeadersAreTruncatedAtEveryLength) {
  const std::string_view headers[] = {
      {"\x17\x01\x00\x00\x00", 5},          // AVC
      {"\xaf\x01", 2},                      // AAC
      {"\x91hvc1\x00\x00\x00", 8},          // Enhanced RTMP hvc1 CodedFrames
  };
  for (auto header : headers) {
    const uint8_t type = uint8_t(header[0]) == 0xaf ? flv::kTagAudio : flv::kTagVideo;
    auto nothing = flv::body_to_packet(type, 0, Buffer());
    ASSERT_FALSE(nothing);
    EXPECT_TRUE(nothing.error().is(Errc::ignored)) << "an empty message carries nothing, it is not broken";
    for (size_t n = 1; n < header.size(); ++n) {
      auto p = flv::body_to_packet(type, 0, buffer_of(header.substr(0, n)));
      ASSERT_FALSE(p) << n;
      EXPECT_TRUE(p.error().is(Errc::truncated)) << n << ": " << p.error().message();
    }
    auto empty = flv::body_to_packet(type, 0, buffer_of(header));
    ASSERT_FALSE(empty);
    EXPECT_TRUE(empty.error().is(Errc::ignored)) << "a frame without data is nothing to forward";
  }
}

TEST(FlvMedia, ASequenceHeaderWithoutDataIsMalformed) {
  for (auto [type, body] : {std::pair{flv::kTagVideo, std::string_view("\x17\x00\x00\x00\x00", 5)},
                            std::pair{flv::kTagAudio, std::string_view("\xaf\x00", 2)},
                            std::pair{flv::kTagVideo, std::string_view("\x90hvc1", 5)}}) {
    auto p = flv::body_to_packet(type, 0, buffer_of(body));
    ASSERT_FALSE(p);
    EXPECT_TRUE(p.error().is(Errc::malformed)) << p.error().message();
  }
}

TEST(FlvMedia, NamesTheCodecsItDoesNotCarry) {
  auto message_for = [](uint8_t type, std::string_view body) {
    auto p = flv::body_to_packet(type, 0, buffer_of(body));
    if (p) return std::string("decoded");
    EXPECT_TRUE(p.error().is(Errc::unsupported) || p.error().is(Errc::ignored)) << p.error().message();
    return p.error().message();
  };
  EXPECT_NE(message_for(flv::kTagVideo, std::string_view("\x1c\x01\x00\x00\x00\x00", 6)).find("HEVC"), std::string::npos);
  EXPECT_NE(message_for(flv::kTagVideo, std::string_view("\x90vvc1\x00", 6)).find("vvc1"), std::string::npos);
  EXPECT_NE(message_for(flv::kTagAudio, std::string_view("\x2f\xff", 2)).find("MP3"), std::string::npos);
  EXPECT_NE(message_for(flv::kTagVideo, std::string_view("\x17\x02\x00\x00\x00", 5)).find("end of sequence"), std::string::npos);
  EXPECT_NE(message_for(flv::kTagVideo, std::string_view("\x57\x00", 2)).find("command"), std::string::npos);
  EXPECT_NE(message_for(7, std::string_view("x", 1)).find("tag type"), std::string::npos);
}

TEST(FlvMedia, ParsesEnhancedRtmpHevc) {
  auto config = flv::body_to_packet(flv::kTagVideo, 0, buffer_of(std::string_view("\x90hvc1\x01\x02\x03", 8)));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->codec, Codec::hevc);
  EXPECT_TRUE(config->config);
  EXPECT_EQ(config->payload.size(), 3u);

  auto coded = flv::body_to_packet(flv::kTagVideo, 100, buffer_of(std::string_view("\x91hvc1\x00\x00\x28\x00\x00\x00\x01\x26", 13)));
  ASSERT_TRUE(coded) << coded.error().message();
  EXPECT_TRUE(coded->keyframe);
  EXPECT_EQ(coded->pts - coded->dts, ms_to_ticks(40));
  EXPECT_EQ(coded->payload.size(), 5u);

  auto coded_x = flv::body_to_packet(flv::kTagVideo, 100, buffer_of(std::string_view("\xa3hvc1\x00\x00\x00\x01\x02", 10)));
  ASSERT_TRUE(coded_x) << coded_x.error().message();
  EXPECT_FALSE(coded_x->keyframe);
  EXPECT_EQ(coded_x->pts, coded_x->dts);
  EXPECT_EQ(coded_x->payload.size(), 5u);

  // body_prefix writes them back the same way.
  for (const auto& [p, expected] : {std::pair{*config, std::string_view("\x90hvc1", 5)},
                                    std::pair{*coded, std::string_view("\x91hvc1\x00\x00\x28", 8)},
                                    std::pair{*coded_x, std::string_view("\xa3hvc1", 5)}}) {
    uint8_t prefix[flv::kMaxBodyPrefix];
    const size_t n = flv::body_prefix(p, prefix);
    EXPECT_EQ(std::vector<uint8_t>(prefix, prefix + n), test::bytes_of(expected));
  }
}

// Enhanced RTMP v1 'av01' and 'vp09': passed through for FLV players. The sequence
// start is the codec's configuration record; CodedFrames carry the frame straight
// after the FourCC, with no CompositionTime; both come out with the same 5-byte header.
void expect_passed_through(std::string_view fourcc, Codec codec, std::string_view config_record,
                           std::string_view key_frame) {
  const auto body = [&](char header, std::string_view payload) {
    return buffer_of(std::string(1, header) + std::string(fourcc) + std::string(payload));
  };
  auto config = flv::body_to_packet(flv::kTagVideo, 0, body('\x90', config_record));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->codec, codec);
  EXPECT_EQ(config->kind, TrackKind::video);
  EXPECT_TRUE(config->config);
  EXPECT_EQ(std::vector<uint8_t>(config->payload.span().begin(), config->payload.span().end()),
            test::bytes_of(config_record));

  auto key = flv::body_to_packet(flv::kTagVideo, 40, body('\x91', key_frame));
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->codec, codec);
  EXPECT_TRUE(key->keyframe);
  EXPECT_FALSE(key->config);
  EXPECT_EQ(key->pts, key->dts) << fourcc << " CodedFrames have no CompositionTime";
  EXPECT_EQ(key->dts, ms_to_ticks(40));
  EXPECT_EQ(std::vector<uint8_t>(key->payload.span().begin(), key->payload.span().end()), test::bytes_of(key_frame));

  auto inter = flv::body_to_packet(flv::kTagVideo, 80, body('\xa1', key_frame.substr(0, 2)));
  ASSERT_TRUE(inter) << inter.error().message();
  EXPECT_FALSE(inter->keyframe);

  EXPECT_TRUE(flv::carries(codec));
  for (const auto& [p, header] : {std::pair{*config, '\x90'}, std::pair{*key, '\x91'}, std::pair{*inter, '\xa1'}}) {
    uint8_t prefix[flv::kMaxBodyPrefix];
    const size_t n = flv::body_prefix(p, prefix);
    EXPECT_EQ(std::vector<uint8_t>(prefix, prefix + n), test::bytes_of(std::string(1, header) + std::string(fourcc)));
  }
}

TEST(FlvMedia, PassesEnhancedRtmpAv1Through) {
  // AV1CodecConfigurationRecord (marker/version byte 0x81 first); a temporal delimiter
  // OBU (0x12 0x00) then a frame OBU header.
  expect_passed_through("av01", Codec::av1, std::string_view("\x81\x00\x0c\x00", 4),
                        std::string_view("\x12\x00\x32\x01\x10", 5));
}

TEST(FlvMedia, PassesEnhancedRtmpVp9Through) {
  // VPCodecConfigurationRecord (version 1 full box header, profile 0, level 3.1, 8-bit
  // 4:2:0, BT.709, no codec init data); a VP9 keyframe's uncompressed header start
  // (frame marker 0b10, profile 0, show_existing_frame 0, key frame, sync code 49 83 42).
  expect_passed_through("vp09", Codec::vp9, std::string_view("\x01\x00\x00\x00\x00\x1f\x80\x01\x01\x01\x00\x00", 12),
                        std::string_view("\x82\x49\x83\x42\x00", 5));
}

TEST(FlvMedia, ScriptDataWithoutSetDataFrameIsKept) {
  std::vector<uint8_t> body;
  amf0::encode_all(std::vector<amf0::Value>{"onMetaData", amf0::Value::ecma_array({{"duration", 0}})}, body);
  auto buffer = Buffer::copy_of(body);
  auto p = flv::body_to_packet(flv::kTagScript, 0, buffer);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, TrackKind::data);
  EXPECT_EQ(p->codec, Codec::script);
  EXPECT_EQ(p->payload.data(), buffer.data());
  EXPECT_EQ(p->payload.size(), buffer.size());
  uint8_t prefix[flv::kMaxBodyPrefix];
  EXPECT_EQ(flv::body_prefix(*p, prefix), 0u);
}

TEST(FlvMedia, AacPrefixIsAlways0xAF) {
  MediaPacket p{.kind = TrackKind::audio, .codec = Codec::aac, .config = true};
  uint8_t prefix[flv::kMaxBodyPrefix];
  ASSERT_EQ(flv::body_prefix(p, prefix), 2u);
  EXPECT_EQ(prefix[0], 0xaf);
  EXPECT_EQ(prefix[1], 0x00);
  p.config = false;
  flv::body_prefix(p, prefix);
  EXPECT_EQ(prefix[1], 0x01);
}

TEST(FlvMedia, SurvivesRandomBodies) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> any(0, 255);
  std::uniform_int_distribution<size_t> length(0, 16);
  const uint8_t types[] = {flv::kTagAudio, flv::kTagVideo, flv::kTagScript};
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> body(length(rng));
    for (auto& b : body) b = uint8_t(any(rng));
    auto p = flv::body_to_packet(types[i % 3], uint32_t(i), Buffer::copy_of(body));
    if (!p) continue;
    uint8_t prefix[flv::kMaxBodyPrefix];
    EXPECT_LE(flv::body_prefix(*p, prefix), flv::kMaxBodyPrefix);
  }
}

TEST(FlvMedia, TagTypePerTrack) {
  EXPECT_EQ(flv::tag_type(TrackKind::video), 9);
  EXPECT_EQ(flv::tag_type(TrackKind::audio), 8);
  EXPECT_EQ(flv::tag_type(TrackKind::data), 18);
}

}  // namespace
}  // namespace relaycast
