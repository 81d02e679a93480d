#include "format/fmp4_init.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fmp4_recorded_media.hpp"
#include "mp4_box_reader.hpp"

namespace relaycast {
namespace {

using test::Mp4Box;

std::string fourcc(ByteReader& r) {
  auto b = r.bytes(4);
  return b ? std::string(b->begin(), b->end()) : std::string();
}

std::vector<uint8_t> bytes_of(const Buffer& b) { return {b.span().begin(), b.span().end()}; }

// ISO 14496-1 8.3.3: one descriptor's tag and body, advancing `r` past it.
struct Descriptor {
  uint8_t tag = 0;
  std::span<const uint8_t> body;
};
Descriptor read_descriptor(ByteReader& r) {
  Descriptor d;
  d.tag = r.u8().value_or(0);
  size_t size = 0;
  for (int i = 0; i < 4; ++i) {
    const uint8_t b = r.u8().value_or(0);
    size = size << 7 | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  d.body = r.bytes(size).value_or(std::span<const uint8_t>());
  return d;
}

class Fmp4Init : public ::testing::Test {
protected:
  void SetUp() override {
    media_ = test::recorded_media();
    ASSERT_EQ(media_.tracks.size(), 2u);
    auto init = fmp4::make_init_segment(media_.tracks);
    ASSERT_TRUE(init) << init.error().message();
    init_ = std::move(*init);
    boxes_ = test::read_boxes(init_);
    ASSERT_EQ(test::types_of(boxes_), (std::vector<std::string>{"ftyp", "moov"}));
  }
  const Mp4Box& moov() const { return boxes_[1]; }
  const Mp4Box& trak(size_t i) const { return *moov().all("trak").at(i); }

  test::RecordedMedia media_;
  std::vector<uint8_t> init_;
  std::vector<Mp4Box> boxes_;
};

TEST_F(Fmp4Init, FtypNamesIso6AndCmaf) {
  ByteReader r(boxes_[0].body);
  EXPECT_EQ(fourcc(r), "iso6");
  EXPECT_EQ(r.u32be(), 0u);
  std::vector<std::string> compatible;
  while (!r.empty()) compatible.push_back(fourcc(r));
  EXPECT_EQ(compatible, (std::vector<std::string>{"iso6", "cmfc", "mp41"}));
}

TEST_F(Fmp4Init, MoovHasMvhdATrakPerTrackAndMvex) {
  EXPECT_EQ(test::types_of(moov().children), (std::vector<std::string>{"mvhd", "trak", "trak", "mvex"}));
  const Mp4Box& mvhd = *moov().child("mvhd");
  EXPECT_EQ(mvhd.version(), 0);
  ASSERT_EQ(mvhd.body.size(), 100u);
  EXPECT_EQ(load_u32be(mvhd.body.data() + 12), 1000u);           // timescale
  EXPECT_EQ(load_u32be(mvhd.body.data() + 96), 3u);              // next_track_ID
  EXPECT_EQ(load_u32be(mvhd.body.data() + 20), 0x00010000u);     // rate 1.0
}

TEST_F(Fmp4Init, TrakBoxesNestAsTheSpecSays) {
  for (size_t i = 0; i < 2; ++i) {
    const Mp4Box& t = trak(i);
    EXPECT_EQ(test::types_of(t.children), (std::vector<std::string>{"tkhd", "mdia"}));
    EXPECT_EQ(test::types_of(t.child("mdia")->children), (std::vector<std::string>{"mdhd", "hdlr", "minf"}));
    const Mp4Box* minf = t.path("mdia/minf");
    ASSERT_TRUE(minf);
    EXPECT_EQ(test::types_of(minf->children),
              (std::vector<std::string>{i == 0 ? "vmhd" : "smhd", "dinf", "stbl"}));
    ASSERT_TRUE(minf->path("dinf/dref"));
    EXPECT_EQ(test::types_of(minf->path("dinf/dref")->children), (std::vector<std::string>{"url "}));
    EXPECT_EQ(minf->path("dinf/dref/url ")->flags(), 1u);  // self-contained
    EXPECT_EQ(test::types_of(minf->child("stbl")->children),
              (std::vector<std::string>{"stsd", "stts", "stsc", "stsz", "stco"}));
    // The sample tables are empty: every sample is in a fragment.
    for (auto table : {"stts", "stsc", "stco"}) {
      auto r = minf->child("stbl")->child(table)->full_body();
      EXPECT_EQ(r.u32be(), 0u) << table;
      EXPECT_TRUE(r.empty()) << table;
    }
  }
}

TEST_F(Fmp4Init, TrackHeadersCarryIdsTimescalesAndHandlers) {
  struct Expect {
    uint32_t id, timescale;
    std::string handler;
    uint32_t width, height;
  };
  const Expect expected[] = {{1, 90000, "vide", 320, 240}, {2, 44100, "soun", 0, 0}};
  for (size_t i = 0; i < 2; ++i) {
    const Mp4Box& tkhd = *trak(i).child("tkhd");
    EXPECT_EQ(tkhd.flags(), 3u);  // enabled, in movie
    ASSERT_EQ(tkhd.body.size(), 84u);
    EXPECT_EQ(load_u32be(tkhd.body.data() + 12), expected[i].id);
    EXPECT_EQ(load_u32be(tkhd.body.data() + 76), expected[i].width << 16);
    EXPECT_EQ(load_u32be(tkhd.body.data() + 80), expected[i].height << 16);

    auto mdhd = trak(i).path("mdia/mdhd")->full_body();
    mdhd.skip(8);
    EXPECT_EQ(mdhd.u32be(), expected[i].timescale);

    auto hdlr = trak(i).path("mdia/hdlr")->full_body();
    hdlr.skip(4);
    EXPECT_EQ(fourcc(hdlr), expected[i].handler);
  }
}

TEST_F(Fmp4Init, Avc1CarriesTheSizeFromTheSpsAndTheRecordVerbatim) {
  const Mp4Box* stsd = trak(0).path("mdia/minf/stbl/stsd");
  ASSERT_TRUE(stsd);
  EXPECT_EQ(load_u32be(stsd->body.data() + 4), 1u);  // entry_count
  const Mp4Box* avc1 = stsd->child("avc1");
  ASSERT_TRUE(avc1);
  EXPECT_EQ(load_u16be(avc1->body.data() + 6), 1);  // data_reference_index
  EXPECT_EQ(load_u16be(avc1->body.data() + 24), 320);
  EXPECT_EQ(load_u16be(avc1->body.data() + 26), 240);
  ASSERT_TRUE(avc1->child("avcC"));
  EXPECT_EQ(std::vector<uint8_t>(avc1->child("avcC")->body.begin(), avc1->child("avcC")->body.end()),
            bytes_of(media_.tracks[0].config));
}

TEST_F(Fmp4Init, Mp4aHasChannelsRateAndTheConfigInEsds) {
  const Mp4Box* mp4a = trak(1).path("mdia/minf/stbl/stsd/mp4a");
  ASSERT_TRUE(mp4a);
  EXPECT_EQ(load_u16be(mp4a->body.data() + 16), 1);           // channelcount: mono
  EXPECT_EQ(load_u16be(mp4a->body.data() + 18), 16);          // samplesize
  EXPECT_EQ(load_u32be(mp4a->body.data() + 24), 44100u << 16);  // samplerate, 16.16
  const Mp4Box* esds = mp4a->child("esds");
  ASSERT_TRUE(esds);

  auto r = esds->full_body();
  const Descriptor es = read_descriptor(r);
  EXPECT_EQ(es.tag, 0x03);
  EXPECT_TRUE(r.empty());
  ByteReader er(es.body);
  er.skip(3);  // ES_ID, flags
  const Descriptor dc = read_descriptor(er);
  ASSERT_EQ(dc.tag, 0x04);
  ASSERT_GE(dc.body.size(), 13u);
  EXPECT_EQ(dc.body[0], 0x40);  // Audio ISO/IEC 14496-3
  EXPECT_EQ(dc.body[1], 0x15);  // audio stream
  ByteReader dr(dc.body.subspan(13));
  const Descriptor dsi = read_descriptor(dr);
  EXPECT_EQ(dsi.tag, 0x05);
  EXPECT_EQ(std::vector<uint8_t>(dsi.body.begin(), dsi.body.end()), bytes_of(media_.tracks[1].config));
  const Descriptor sl = read_descriptor(er);
  EXPECT_EQ(sl.tag, 0x06);
  EXPECT_EQ(std::vector<uint8_t>(sl.body.begin(), sl.body.end()), std::vector<uint8_t>{0x02});
  EXPECT_TRUE(er.empty());
}

TEST_F(Fmp4Init, MvexHasATrexPerTrack) {
  auto trex = moov().child("mvex")->all("trex");
  ASSERT_EQ(trex.size(), 2u);
  for (uint32_t i = 0; i < 2; ++i) {
    auto r = trex[i]->full_body();
    EXPECT_EQ(r.u32be(), i + 1);  // track_ID
    EXPECT_EQ(r.u32be(), 1u);     // default_sample_description_index
  }
}

TEST_F(Fmp4Init, CodecsAttributeNamesBothTracks) {
  const auto record = media_.tracks[0].config.span();
  // RFC 6381 3.3: avc1.PPCCLL from the avcC's profile, compatibility and level bytes.
  const std::string avc = fmt::format("avc1.{:02x}{:02x}{:02x}", record[1], record[2], record[3]);
  auto codecs = fmp4::codecs_attribute(media_.tracks);
  ASSERT_TRUE(codecs) << codecs.error().message();
  EXPECT_EQ(*codecs, avc + ",mp4a.40.2");
}

TEST_F(Fmp4Init, AudioOnlyAndVideoOnlyWork) {
  for (size_t i = 0; i < 2; ++i) {
    auto init = fmp4::make_init_segment(std::span(media_.tracks).subspan(i, 1));
    ASSERT_TRUE(init) << init.error().message();
    auto boxes = test::read_boxes(*init);
    ASSERT_EQ(boxes.size(), 2u);
    EXPECT_EQ(boxes[1].all("trak").size(), 1u);
  }
}

TEST_F(Fmp4Init, TrackFromConfigRefusesAFrame) {
  MediaPacket frame = media_.frames.front();
  auto track = fmp4::track_from_config(1, frame);
  ASSERT_FALSE(track);
  EXPECT_TRUE(track.error().is(Errc::malformed));
  EXPECT_NE(track.error().message().find("not a decoder configuration"), std::string::npos);
}

// Hostile or broken track lists: each fails with a message that names the track.
// (The config is kept as bytes here: g++ 12 -O2 sees uninitialized shared_ptr members
// in a Values() list of aggregates that hold Buffers, which they are not.)
struct BadTrack {
  const char* name;
  uint32_t track_id;
  TrackKind kind;
  Codec codec;
  std::vector<uint8_t> config;
  uint32_t timescale;
  Errc code;
  const char* message_part;
};

void PrintTo(const BadTrack& bad, std::ostream* os) { *os << bad.name; }

fmp4::TrackInfo track_of(const BadTrack& bad) {
  fmp4::TrackInfo track;
  track.track_id = bad.track_id;
  track.kind = bad.kind;
  track.codec = bad.codec;
  track.config = Buffer::copy_of(bad.config);
  track.timescale = bad.timescale;
  return track;
}

class Fmp4InitRejects : public ::testing::TestWithParam<BadTrack> {};

TEST_P(Fmp4InitRejects, WithAClearMessage) {
  const fmp4::TrackInfo tracks[] = {track_of(GetParam())};
  auto init = fmp4::make_init_segment(tracks);
  ASSERT_FALSE(init);
  EXPECT_TRUE(init.error().is(GetParam().code)) << init.error().message();
  EXPECT_NE(init.error().message().find(GetParam().message_part), std::string::npos) << init.error().message();
  // The CODECS attribute needs only the codec and its config.
  if (GetParam().track_id != 0 && GetParam().timescale != 0) {
    EXPECT_FALSE(fmp4::codecs_attribute(tracks));
  }
}

const std::vector<uint8_t> kAsc = {0x12, 0x08};  // AAC LC, 44.1 kHz, mono
const std::vector<uint8_t> kAvcCWithoutSps = {1, 0x64, 0, 0x1f, 0xff, 0xe0, 0};

INSTANTIATE_TEST_SUITE_P(
    Fmp4Hostile, Fmp4InitRejects,
    ::testing::Values(
        BadTrack{"MissingAvcConfig", 7, TrackKind::video, Codec::h264, {}, 90000, Errc::malformed,
                 "fmp4 track 7 (h264): no decoder configuration"},
        BadTrack{"MissingAacConfig", 2, TrackKind::audio, Codec::aac, {}, 44100, Errc::malformed,
                 "fmp4 track 2 (aac): no decoder configuration"},
        BadTrack{"Av1", 1, TrackKind::video, Codec::av1, {1}, 90000, Errc::unsupported,
                 "video av1 is not supported in fMP4"},
        BadTrack{"CutHvcC", 1, TrackKind::video, Codec::hevc, {1}, 90000, Errc::truncated,
                 "fmp4 track 1 (hevc): hvcC record: hvcC: 1 bytes, shorter than the 23-byte header"},
        BadTrack{"Opus", 2, TrackKind::audio, Codec::opus, {1}, 48000, Errc::unsupported,
                 "audio opus is not supported"},
        BadTrack{"CodecNone", 2, TrackKind::audio, Codec::none, {}, 48000, Errc::unsupported, "not supported"},
        BadTrack{"AacAsVideo", 1, TrackKind::video, Codec::aac, kAsc, 90000, Errc::unsupported,
                 "video aac is not supported"},
        BadTrack{"BrokenAvcC", 1, TrackKind::video, Codec::h264, {1, 0x64, 0}, 90000, Errc::truncated,
                 "fmp4 track 1 (h264): avcC record"},
        BadTrack{"AvcCWithoutSps", 1, TrackKind::video, Codec::h264, kAvcCWithoutSps, 90000, Errc::malformed,
                 "no SPS"},
        BadTrack{"BrokenAsc", 2, TrackKind::audio, Codec::aac, {0xff}, 44100, Errc::truncated,
                 "AudioSpecificConfig"},
        BadTrack{"TrackIdZero", 0, TrackKind::audio, Codec::aac, kAsc, 44100, Errc::malformed, "track id 0"},
        BadTrack{"TimescaleZero", 3, TrackKind::audio, Codec::aac, kAsc, 0, Errc::malformed,
                 "track 3: timescale is 0"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Fmp4InitTracks, EmptyAndDuplicateListsAreRefused) {
  auto none = fmp4::make_init_segment({});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("no tracks"), std::string::npos);

  const BadTrack aac{"Aac", 2, TrackKind::audio, Codec::aac, kAsc, 44100, Errc::malformed, ""};
  const fmp4::TrackInfo twice[] = {track_of(aac), track_of(aac)};
  auto dup = fmp4::make_init_segment(twice);
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message().find("track id 2 is used twice"), std::string::npos);
}

}  // namespace
}  // namespace relaycast
