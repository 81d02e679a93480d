// The recording muxer and the file index read back what it wrote: a recorded ffmpeg
// publish goes in, the fragments come out at keyframes and at most fragment_ms apart,
// and the index of the written bytes finds every fragment with the right times.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../format/fmp4_recorded_media.hpp"
#include "format/fmp4_file_index.hpp"
#include "record/recording_muxer.hpp"
#include "record/vod_playlist.hpp"

namespace relaycast::record {
namespace {

// Every packet of the fixture (configs included) in arrival order.
std::vector<MediaPacket> publish_packets() {
  std::vector<MediaPacket> out;
  for (const auto& msg : test::recorded_messages(test::read_fixture("rtmp/ffmpeg-publish.c2s.bin"))) {
    if (msg.type != flv::kTagAudio && msg.type != flv::kTagVideo) continue;
    auto packet = flv::body_to_packet(msg.type, msg.timestamp_ms, Buffer::copy_of(msg.body));
    if (packet) out.push_back(*packet);
  }
  return out;
}

struct Recorded {
  std::vector<RecordingChunk> chunks;
  std::vector<uint8_t> bytes;  // all chunks of the first file
  std::vector<std::string> warnings;
};

Recorded record(const std::vector<MediaPacket>& packets, int64_t fragment_ms = 1000) {
  Recorded r;
  RecordingMuxer muxer(ms_to_ticks(fragment_ms), [&](const std::string& w) { r.warnings.push_back(w); });
  for (const auto& p : packets)
    for (auto& c : muxer.push(p)) r.chunks.push_back(std::move(c));
  for (auto& c : muxer.finish()) r.chunks.push_back(std::move(c));
  int inits = 0;
  for (const auto& c : r.chunks) {
    if (c.kind == RecordingChunk::Kind::init && ++inits > 1) break;
    for (const auto& b : c.bytes) r.bytes.insert(r.bytes.end(), b.data(), b.data() + b.size());
  }
  return r;
}

TEST(RecordingMuxer, StartsWithInitThenFragmentsAtKeyframesAndEveryFragmentMs) {
  const auto packets = publish_packets();
  const auto r = record(packets, 1000);
  ASSERT_GE(r.chunks.size(), 3u);
  EXPECT_EQ(r.chunks.front().kind, RecordingChunk::Kind::init);
  EXPECT_TRUE(r.warnings.empty());
  int64_t total = 0;
  for (size_t i = 1; i < r.chunks.size(); ++i) {
    const auto& c = r.chunks[i];
    ASSERT_EQ(c.kind, RecordingChunk::Kind::fragment) << i;
    // A fragment never spans more than fragment_ms plus the frame that reached it.
    EXPECT_LE(c.duration, ms_to_ticks(1000) + ms_to_ticks(100)) << i;
    EXPECT_GT(c.duration, 0) << i;
    if (i > 1) {
      EXPECT_EQ(c.start, r.chunks[i - 1].start + r.chunks[i - 1].duration) << "gap before fragment " << i;
    }
    total += c.duration;
  }
  EXPECT_TRUE(r.chunks[1].keyframe) << "the file starts with a keyframe";

  // The fixture's video runs from the first keyframe to its last frame (+ one frame).
  int64_t first_key = -1, last_video = 0;
  for (const auto& p : packets) {
    if (p.kind != TrackKind::video || p.config) continue;
    if (first_key < 0 && p.keyframe) first_key = p.dts;
    last_video = p.dts;
  }
  // The last frame lasts as long as the ones before it (15 fps here).
  EXPECT_GT(total, last_video - first_key);
  EXPECT_LE(total, last_video - first_key + ms_to_ticks(100));
}

TEST(RecordingMuxer, TheIndexOfTheWrittenFileFindsEveryFragment) {
  const auto r = record(publish_packets());
  auto index = fmp4::index_fragmented_mp4(r.bytes);
  ASSERT_TRUE(index) << index.error().message();
  ASSERT_EQ(index->tracks.size(), 2u);
  EXPECT_EQ(index->tracks[0].kind, TrackKind::video);
  EXPECT_EQ(index->tracks[1].kind, TrackKind::audio);
  ASSERT_EQ(index->fragments.size(), r.chunks.size() - 1);
  EXPECT_EQ(index->init_size, r.chunks[0].size());
  EXPECT_EQ(index->complete_size, r.bytes.size());
  for (size_t i = 0; i < index->fragments.size(); ++i) {
    const auto& f = index->fragments[i];
    const auto& c = r.chunks[i + 1];
    EXPECT_EQ(f.size, c.size()) << i;
    EXPECT_EQ(f.start, c.start) << i;
    EXPECT_EQ(f.duration, c.duration) << i;
    EXPECT_EQ(f.starts_with_keyframe, c.keyframe) << i;
  }
}

TEST(RecordingMuxer, NewCodecParametersStartANewFile) {
  auto packets = publish_packets();
  // The same publish again with a different AudioSpecificConfig (44.1 -> 48 kHz).
  const size_t half = packets.size();
  for (size_t i = 0; i < half; ++i) {
    MediaPacket p = packets[i];
    p.dts += ms_to_ticks(60000);
    p.pts += ms_to_ticks(60000);
    if (p.config && p.kind == TrackKind::audio) {
      std::vector<uint8_t> asc(p.payload.data(), p.payload.data() + p.payload.size());
      asc[0] = uint8_t((asc[0] & 0xF8) | 0x01);  // sampling frequency index 3 (48 kHz)
      asc[1] = uint8_t((asc[1] & 0x7F) | 0x80);
      p.payload = Buffer::copy_of(asc);
    }
    packets.push_back(p);
  }
  const auto r = record(packets);
  int inits = 0;
  for (const auto& c : r.chunks) inits += c.kind == RecordingChunk::Kind::init;
  EXPECT_EQ(inits, 2);
}

TEST(RecordingMuxer, FramesBeforeTheFirstKeyframeOrWithoutConfigAreNotRecorded) {
  auto packets = publish_packets();
  std::vector<MediaPacket> no_config;
  for (const auto& p : packets)
    if (!p.config) no_config.push_back(p);
  EXPECT_TRUE(record(no_config).chunks.empty());
}

// An Enhanced RTMP 'av01' publish: fMP4 recordings carry no AV1, so the audio is
// recorded alone and the skip is said once, not once per frame.
TEST(RecordingMuxer, Av1VideoIsSkippedOnceAndTheAudioRecorded) {
  std::vector<MediaPacket> packets;
  for (auto p : publish_packets()) {
    if (p.kind == TrackKind::video) p.codec = Codec::av1;
    packets.push_back(p);
  }
  const auto r = record(packets);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("av1 video is not recorded"), std::string::npos) << r.warnings[0];
  ASSERT_GE(r.chunks.size(), 2u);
  EXPECT_EQ(r.chunks.front().kind, RecordingChunk::Kind::init);
  const auto& init = r.chunks.front().bytes.front();
  const std::string_view text(reinterpret_cast<const char*>(init.data()), init.size());
  EXPECT_NE(text.find("mp4a"), std::string_view::npos);
  EXPECT_EQ(text.find("avc1"), std::string_view::npos);
  EXPECT_EQ(text.find("vide"), std::string_view::npos) << "no video track at all";
}

TEST(FileIndex, ATornTailEndsTheIndexAtTheLastCompleteFragment) {
  const auto r = record(publish_packets());
  auto whole = fmp4::index_fragmented_mp4(r.bytes);
  ASSERT_TRUE(whole);
  ASSERT_GE(whole->fragments.size(), 3u);
  const auto& last = whole->fragments.back();
  for (uint64_t cut : {last.offset + 3, last.offset + 100, last.offset + last.size - 1}) {
    std::span<const uint8_t> torn(r.bytes.data(), cut);
    auto index = fmp4::index_fragmented_mp4(torn);
    ASSERT_TRUE(index) << cut;
    EXPECT_EQ(index->fragments.size(), whole->fragments.size() - 1) << cut;
    EXPECT_EQ(index->complete_size, last.offset) << cut;
  }
}

TEST(FileIndex, RefusesWhatIsNotAFragmentedMp4) {
  const auto r = record(publish_packets());
  // Init cut short, no moov, garbage, empty.
  EXPECT_FALSE(fmp4::index_fragmented_mp4(std::span(r.bytes.data(), 40)));
  std::vector<uint8_t> garbage(5000, 0x41);
  EXPECT_FALSE(fmp4::index_fragmented_mp4(garbage));
  EXPECT_FALSE(fmp4::index_fragmented_mp4({}));
  // A moof whose trun claims more samples than it holds: an error, no over-read.
  auto lying = r.bytes;
  const auto index = fmp4::index_fragmented_mp4(lying);
  ASSERT_TRUE(index);
  const size_t moof = index->fragments[0].offset;
  for (size_t i = moof; i + 8 < moof + 400 && i + 8 < lying.size(); ++i)
    if (std::memcmp(&lying[i], "trun", 4) == 0) {
      store_u32be(&lying[i + 8], 0x7FFFFFFF);  // sample_count, after version/flags
      break;
    }
  EXPECT_FALSE(fmp4::index_fragmented_mp4(lying));
}

// A trun with no per-sample fields takes every sample from the defaults, so a few bytes
// can claim four billion samples (a fuzzer found this as a 12 s stall): the index sums
// them in one step and the duration is count x the default. A run that adds up to more
// than a day is refused, so that sums of fragments cannot overflow (the fuzzer again).
TEST(FileIndex, ARunOfDefaultSamplesIsSummedNotWalkedAndBounded) {
  const auto original = record(publish_packets()).bytes;
  const auto whole = fmp4::index_fragmented_mp4(original);
  ASSERT_TRUE(whole);
  const uint32_t video_id = whole->tracks[0].track_id;
  ASSERT_EQ(whole->tracks[0].kind, TrackKind::video);
  const uint32_t timescale = whole->tracks[0].timescale;
  const auto with_default_duration = [&](uint32_t default_duration) {
    auto bytes = original;
    auto find_box = [&](const char* type, size_t from) {
      for (size_t i = from; i + 4 < bytes.size(); ++i)
        if (std::memcmp(&bytes[i], type, 4) == 0) return i;
      return size_t(0);
    };
    // trex: version/flags, track_ID, sample_description_index, default_sample_duration.
    size_t trex = find_box("trex", 0);
    while (trex && load_u32be(&bytes[trex + 8]) != video_id) trex = find_box("trex", trex + 4);
    EXPECT_NE(trex, 0u);
    store_u32be(&bytes[trex + 16], default_duration);
    // The first fragment's first trun (the video's): no per-sample fields, 2^32-1 samples.
    const size_t trun = find_box("trun", whole->fragments[0].offset);
    EXPECT_NE(trun, 0u);
    store_u32be(&bytes[trun + 4], 0);  // version 0, no flags
    store_u32be(&bytes[trun + 8], 0xFFFFFFFF);
    return fmp4::index_fragmented_mp4(bytes);
  };
  ASSERT_GE(timescale, 90000u) << "one tick a sample must stay under a day";
  const auto index = with_default_duration(1);
  ASSERT_TRUE(index) << index.error().message();
  ASSERT_EQ(index->fragments.size(), whole->fragments.size());
  EXPECT_EQ(index->fragments[0].duration, int64_t(0xFFFFFFFFull * kTimebase / timescale));
  EXPECT_EQ(index->fragments[1].duration, whole->fragments[1].duration);

  const auto too_long = with_default_duration(3000);  // 2^32 frames at 30 fps: four years
  ASSERT_FALSE(too_long);
  EXPECT_TRUE(too_long.error().is(Errc::malformed)) << too_long.error().message();
}

TEST(VodPlaylist, SegmentsAreByteRangesOfTheFileStartingAtKeyframes) {
  const auto r = record(publish_packets(), 500);
  auto index = fmp4::index_fragmented_mp4(r.bytes);
  ASSERT_TRUE(index);
  const auto text = vod_playlist(*index, {.media_uri = "../a.mp4", .segment_target = ms_to_ticks(2000)});
  EXPECT_NE(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos) << text;
  EXPECT_NE(text.find(fmt::format("#EXT-X-MAP:URI=\"../a.mp4\",BYTERANGE=\"{}@0\"", index->init_size)), std::string::npos)
      << text;
  EXPECT_NE(text.find("#EXT-X-ENDLIST"), std::string::npos);
  // The byte ranges tile the file after the init part, in order.
  uint64_t next = index->init_size;
  double seconds = 0;
  size_t pos = 0;
  while ((pos = text.find("#EXT-X-BYTERANGE:", pos)) != std::string::npos) {
    const auto at = text.find('@', pos);
    const uint64_t length = std::stoull(text.substr(pos + 17, at - pos - 17));
    const uint64_t offset = std::stoull(text.substr(at + 1));
    EXPECT_EQ(offset, next);
    next = offset + length;
    pos = at;
  }
  EXPECT_EQ(next, r.bytes.size());
  pos = 0;
  while ((pos = text.find("#EXTINF:", pos)) != std::string::npos) seconds += std::stod(text.substr(pos += 8));
  EXPECT_NEAR(seconds, double(index->duration()) / kTimebase, 0.01);
  const auto live = vod_playlist(*index, {.media_uri = "x.mp4", .segment_target = ms_to_ticks(2000), .complete = false});
  EXPECT_NE(live.find("#EXT-X-PLAYLIST-TYPE:EVENT"), std::string::npos);
  EXPECT_EQ(live.find("#EXT-X-ENDLIST"), std::string::npos);
}

}  // namespace
}  // namespace relaycast::record

#include <unistd.h>

#include "record/recording_repair.hpp"

namespace relaycast::record {
namespace {

TEST(RecordingRepair, CutsATornFragmentAndKeepsAWholeFile) {
  const auto r = record(publish_packets());
  auto index = fmp4::index_fragmented_mp4(r.bytes);
  ASSERT_TRUE(index);
  char pattern[] = "/tmp/relaycast-repair-XXXXXX";
  const std::filesystem::path dir = mkdtemp(pattern);
  const auto path = dir / "a.mp4";
  const uint64_t torn_at = index->fragments.back().offset + 50;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(r.bytes.data()), std::streamsize(torn_at));
  auto cut = repair_recording(path);
  ASSERT_TRUE(cut) << cut.error().message();
  EXPECT_EQ(*cut, 50u);
  EXPECT_EQ(std::filesystem::file_size(path), index->fragments.back().offset);
  auto again = repair_recording(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u) << "a whole file is left as it is";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace relaycast::record
