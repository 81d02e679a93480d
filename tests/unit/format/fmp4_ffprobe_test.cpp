// The muxer's output as real players see it: a recorded RTMP publish (ffmpeg, H.264
// 320x240 15 fps + AAC 44.1 kHz mono) muxed into an init segment and one fragment per
// GOP, then read back by ffprobe and decoded by ffmpeg, as a file and as an HLS
// playlist.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../temp_dir.hpp"
#include "fmp4_recorded_media.hpp"
#include "format/fmp4_fragment.hpp"
#include "format/fmp4_init.hpp"
#include "shell_command.hpp"

namespace relaycast {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

void write_file(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

double seconds(int64_t ticks) { return double(ticks) / double(kTimebase); }

class Fmp4Ffprobe : public ::testing::Test {
protected:
  void SetUp() override {
    if (test::run_command("command -v ffprobe >/dev/null && command -v ffmpeg >/dev/null").status != 0) {
      GTEST_SKIP() << "ffprobe/ffmpeg not installed";
    }
    ASSERT_FALSE(dir_.path.empty());
    media_ = test::recorded_media();
    ASSERT_EQ(media_.tracks.size(), 2u);
    auto init = fmp4::make_init_segment(media_.tracks);
    ASSERT_TRUE(init) << init.error().message();
    init_ = std::move(*init);
    uint32_t sequence = 1;
    for (const auto& gop : test::fragments_per_gop(media_.samples)) {
      auto fragment = fmp4::make_fragment(sequence++, media_.tracks, gop);
      ASSERT_TRUE(fragment) << fragment.error().message();
      fragments_.push_back(std::move(*fragment));
      gop_start_.push_back(gop.front().dts);
    }
    ASSERT_GE(fragments_.size(), 3u) << "the recording has a keyframe every second for about 3 s";
  }

  // ffprobe's streams and packets for `input`; its stderr must be empty.
  nlohmann::json probe(const fs::path& input, const std::string& options = "") {
    const fs::path errors = dir_.path / "ffprobe.err";
    auto result = test::run_command("ffprobe -v error " + options + " -show_streams -show_packets -of json " +
                                    quoted(input) + " 2>" + quoted(errors));
    EXPECT_EQ(result.status, 0);
    std::ifstream err(errors);
    const std::string stderr_text{std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>()};
    EXPECT_EQ(stderr_text, "");
    return nlohmann::json::parse(result.output, nullptr, false);
  }

  // Codecs, packet counts, timestamps and keyframes as the input had them.
  void expect_same_media(const nlohmann::json& probed) {
    ASSERT_FALSE(probed.is_discarded());
    ASSERT_EQ(probed["streams"].size(), 2u);
    int video_index = -1, audio_index = -1;
    for (const auto& stream : probed["streams"]) {
      if (stream["codec_type"] == "video") {
        video_index = stream["index"];
        EXPECT_EQ(stream["codec_name"], "h264");
        EXPECT_EQ(stream["width"], 320);
        EXPECT_EQ(stream["height"], 240);
      } else if (stream["codec_type"] == "audio") {
        audio_index = stream["index"];
        EXPECT_EQ(stream["codec_name"], "aac");
        EXPECT_EQ(stream["sample_rate"], "44100");
        EXPECT_EQ(stream["channels"], 1);
      }
    }
    ASSERT_GE(video_index, 0);
    ASSERT_GE(audio_index, 0);

    std::vector<const MediaPacket*> video_in, audio_in;
    for (const auto& frame : media_.frames) (frame.kind == TrackKind::video ? video_in : audio_in).push_back(&frame);
    std::vector<nlohmann::json> video_out, audio_out;
    for (const auto& packet : probed["packets"]) {
      if (packet["stream_index"] == video_index) video_out.push_back(packet);
      if (packet["stream_index"] == audio_index) audio_out.push_back(packet);
    }
    ASSERT_EQ(video_out.size(), video_in.size());
    ASSERT_EQ(audio_out.size(), audio_in.size());

    auto ms_of = [](const nlohmann::json& packet, const char* field) {
      return std::stod(packet[field].get<std::string>()) * 1000.0;
    };
    for (size_t i = 0; i < video_in.size(); ++i) {
      EXPECT_NEAR(ms_of(video_out[i], "pts_time"), double(video_in[i]->pts) / 90.0, 1.0) << "video packet " << i;
      EXPECT_NEAR(ms_of(video_out[i], "dts_time"), double(video_in[i]->dts) / 90.0, 1.0) << "video packet " << i;
      EXPECT_EQ(video_out[i]["flags"].get<std::string>().front() == 'K', video_in[i]->keyframe) << "video packet " << i;
      EXPECT_EQ(video_out[i]["size"], std::to_string(video_in[i]->payload.size())) << "video packet " << i;
    }
    for (size_t i = 0; i < audio_in.size(); ++i) {
      EXPECT_NEAR(ms_of(audio_out[i], "pts_time"), double(audio_in[i]->pts) / 90.0, 1.0) << "audio packet " << i;
      EXPECT_EQ(audio_out[i]["size"], std::to_string(audio_in[i]->payload.size())) << "audio packet " << i;
    }
  }

  fs::path write_fragmented_file() {
    std::vector<uint8_t> file = init_;
    for (const auto& f : fragments_) file.insert(file.end(), f.begin(), f.end());
    fs::path path = dir_.path / "recorded.mp4";
    write_file(path, file);
    return path;
  }

  TempDir dir_{"relaycast-fmp4"};
  test::RecordedMedia media_;
  std::vector<uint8_t> init_;
  std::vector<std::vector<uint8_t>> fragments_;
  std::vector<int64_t> gop_start_;
};

TEST_F(Fmp4Ffprobe, FragmentedFileHasTheInputsCodecsPacketsAndTimestamps) {
  expect_same_media(probe(write_fragmented_file()));
}

TEST_F(Fmp4Ffprobe, FragmentedFileDecodesWithoutErrors) {
  const auto result =
      test::run_command("ffmpeg -nostdin -v error -i " + quoted(write_fragmented_file()) + " -f null - 2>&1");
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.output, "");
}

// RFC 8216bis: fMP4 segments need EXT-X-VERSION 6+ for EXT-X-MAP in a media playlist
// without I-frames only; 7 is what LL-HLS servers announce.
TEST_F(Fmp4Ffprobe, HlsPlaylistOfInitAndSegmentsPlays) {
  write_file(dir_.path / "init.mp4", init_);
  int64_t end = 0;
  for (const auto& s : media_.samples) end = std::max(end, s.dts + s.duration);
  std::string playlist = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
                         "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n";
  for (size_t i = 0; i < fragments_.size(); ++i) {
    const std::string name = fmt::format("seg{}.m4s", i);
    write_file(dir_.path / name, fragments_[i]);
    const int64_t next = i + 1 < gop_start_.size() ? gop_start_[i + 1] : end;
    playlist += fmt::format("#EXTINF:{:.3f},\n{}\n", seconds(next - gop_start_[i]), name);
  }
  playlist += "#EXT-X-ENDLIST\n";
  write_file(dir_.path / "index.m3u8", playlist);

  expect_same_media(probe(dir_.path / "index.m3u8"));
  const auto decoded =
      test::run_command("ffmpeg -nostdin -v error -i " + quoted(dir_.path / "index.m3u8") + " -f null - 2>&1");
  EXPECT_EQ(decoded.status, 0);
  EXPECT_EQ(decoded.output, "");
}

}  // namespace
}  // namespace relaycast
