// The TS muxer on real encoder output: the ffmpeg publish recording, muxed in memory
// and taken apart again, then checked by ffprobe and decoded by ffmpeg.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/flv.hpp"
#include "format/mpegts_muxer.hpp"
#include "format/mpegts_pes.hpp"
#include "recorded_rtmp.hpp"
#include "ts_reader.hpp"

namespace relaycast {
namespace {

using mpegts::kAudioPid;
using mpegts::kPmtPid;
using mpegts::kVideoPid;

struct MuxedRecording {
  std::vector<MediaPacket> frames;  // in the order they were muxed
  std::vector<uint8_t> ts;
  size_t segments = 0;
};

// What the HLS packager will do: a segment, with its tables, at every keyframe.
MuxedRecording mux_recording() {
  MuxedRecording m;
  mpegts::TsMuxer muxer(mpegts::TsMuxerConfig{.has_video = true, .has_audio = true});
  for (const auto& msg : test::recorded_messages(test::read_fixture("rtmp/ffmpeg-publish.c2s.bin"))) {
    if (msg.type != flv::kTagAudio && msg.type != flv::kTagVideo) continue;
    auto packet = flv::body_to_packet(msg.type, msg.timestamp_ms, Buffer::copy_of(msg.body));
    if (!packet) {
      EXPECT_TRUE(packet.error().is(Errc::ignored)) << packet.error().message();
      continue;
    }
    if (!packet->config) {
      if (m.ts.empty() || (packet->kind == TrackKind::video && packet->keyframe)) {
        muxer.write_tables(m.ts);
        ++m.segments;
      }
      m.frames.push_back(*packet);
    }
    auto written = muxer.write_packet(*packet, m.ts);
    EXPECT_TRUE(written) << written.error().message();
  }
  return m;
}

const MuxedRecording& recording() {
  static const MuxedRecording muxed = mux_recording();
  return muxed;
}

size_t count(TrackKind kind) {
  return size_t(std::ranges::count_if(recording().frames, [&](const MediaPacket& p) { return p.kind == kind; }));
}

// The NAL unit types an access unit should have in Annex B.
std::vector<int> expected_nal_types(const MediaPacket& frame) {
  std::vector<int> types = {9};
  if (frame.keyframe) types.insert(types.end(), {7, 8});
  auto walked = h264::for_each_nal(frame.payload.span(), 4, [&](std::span<const uint8_t> nal) {
    if (h264::nal_type(nal[0]) != 9) types.push_back(h264::nal_type(nal[0]));
  });
  EXPECT_TRUE(walked);
  return types;
}

TEST(TsRecording, TakesApartIntoTheFramesThatWentIn) {
  const auto& m = recording();
  ASSERT_GT(count(TrackKind::video), 30u);
  ASSERT_GT(count(TrackKind::audio), 50u);
  ASSERT_GE(m.segments, 3u);
  auto contents = test::read_ts(m.ts);
  ASSERT_TRUE(contents.errors.empty()) << contents.errors.size() << " errors, first: " << contents.errors.front();
  EXPECT_EQ(contents.packets * 188, m.ts.size());

  std::set<uint16_t> pids;
  for (const auto& [pid, n] : contents.packets_per_pid) pids.insert(pid);
  EXPECT_EQ(pids, (std::set<uint16_t>{mpegts::kPatPid, kPmtPid, kVideoPid, kAudioPid}));
  EXPECT_EQ(contents.sections.size(), 2 * m.segments);

  ASSERT_EQ(contents.pes.size(), m.frames.size());
  for (size_t i = 0; i < m.frames.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& frame = m.frames[i];
    const auto& pes = contents.pes[i];
    EXPECT_EQ(pes.pts, mpegts::wrap_timestamp(frame.pts));
    if (frame.kind == TrackKind::video) {
      EXPECT_EQ(pes.pid, kVideoPid);
      EXPECT_EQ(pes.stream_id, 0xe0);
      EXPECT_EQ(pes.dts.value_or(*pes.pts), mpegts::wrap_timestamp(frame.dts));
      EXPECT_EQ(pes.random_access, frame.keyframe);
      EXPECT_TRUE(pes.pcr) << "every video PES carries the clock";
      EXPECT_EQ(test::annexb_nal_types(pes.data), expected_nal_types(frame));
      if (frame.keyframe) {
        // A segment starts here: PAT and PMT right before the keyframe.
        ASSERT_GE(pes.first_packet, 2u);
        EXPECT_EQ(contents.sections.end(), std::ranges::find_if(contents.sections, [&](const test::TsSection& s) {
                    return s.packet + 2 == pes.first_packet && s.pid != mpegts::kPatPid;
                  }));
        EXPECT_NE(contents.sections.end(), std::ranges::find_if(contents.sections, [&](const test::TsSection& s) {
                    return s.packet + 2 == pes.first_packet && s.pid == mpegts::kPatPid;
                  }));
      }
    } else {
      EXPECT_EQ(pes.pid, kAudioPid);
      EXPECT_EQ(pes.stream_id, 0xc0);
      EXPECT_FALSE(pes.dts);
      ASSERT_EQ(pes.data.size(), 7 + frame.payload.size());
      EXPECT_EQ(load_u16be(pes.data.data()) & 0xfff6, 0xfff0) << "ADTS syncword, layer 0";
      EXPECT_EQ((load_u24be(&pes.data[3]) >> 5) & 0x1fff, pes.data.size()) << "aac_frame_length";
      EXPECT_TRUE(std::ranges::equal(std::span(pes.data).subspan(7), frame.payload.span()));
    }
  }

  ASSERT_FALSE(contents.pcrs.empty());
  for (size_t i = 1; i < contents.pcrs.size(); ++i) {
    EXPECT_GE(contents.pcrs[i].base, contents.pcrs[i - 1].base) << i;
    if (contents.pcrs[i - 1].base > 0) {
      EXPECT_LE(contents.pcrs[i].base - contents.pcrs[i - 1].base, 9000u) << i;
    }
  }
}

bool have_ffmpeg() { return std::system("ffprobe -version >/dev/null 2>&1 && ffmpeg -version >/dev/null 2>&1") == 0; }

std::string run_output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

class TsRecordingFile : public testing::Test {
protected:
  void SetUp() override {
    if (!have_ffmpeg()) GTEST_SKIP() << "ffprobe/ffmpeg not installed";
    path_ = std::filesystem::temp_directory_path() / ("relaycast-mpegts-" + std::to_string(getpid()) + ".ts");
    std::ofstream(path_, std::ios::binary)
        .write(reinterpret_cast<const char*>(recording().ts.data()), std::streamsize(recording().ts.size()));
  }
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  std::filesystem::path path_;
};

TEST_F(TsRecordingFile, FfprobeSeesTheStreamsAndEveryFrame) {
  const std::string errors = path_.string() + ".err";
  const auto json =
      run_output("ffprobe -v error -show_streams -show_packets -of json '" + path_.string() + "' 2>'" + errors + "'");
  std::ifstream error_file(errors);
  const std::string stderr_text{std::istreambuf_iterator<char>(error_file), {}};
  std::filesystem::remove(errors);
  EXPECT_EQ(stderr_text, "");
  const auto probe = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(probe.is_discarded()) << json;

  std::map<int, std::string> kind_of_index;
  for (const auto& stream : probe["streams"]) {
    const std::string type = stream["codec_type"];
    kind_of_index[stream["index"].get<int>()] = type;
    if (type == "video") {
      EXPECT_EQ(stream["codec_name"], "h264");
      EXPECT_EQ(stream["width"], 320);
      EXPECT_EQ(stream["height"], 240);
      EXPECT_EQ(stream["id"], "0x100");
    } else {
      EXPECT_EQ(type, "audio");
      EXPECT_EQ(stream["codec_name"], "aac");
      EXPECT_EQ(stream["id"], "0x101");
    }
  }
  ASSERT_EQ(kind_of_index.size(), 2u);

  std::vector<const MediaPacket*> video_in, audio_in;
  for (const auto& frame : recording().frames) (frame.kind == TrackKind::video ? video_in : audio_in).push_back(&frame);
  std::vector<nlohmann::json> video_out, audio_out;
  for (const auto& packet : probe["packets"]) {
    (kind_of_index[packet["stream_index"].get<int>()] == "video" ? video_out : audio_out).push_back(packet);
  }
  ASSERT_EQ(video_out.size(), video_in.size());
  ASSERT_EQ(audio_out.size(), audio_in.size());
  int64_t last_dts = -1;
  for (size_t i = 0; i < video_out.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(video_out[i]["pts"].get<int64_t>(), video_in[i]->pts);
    const auto dts = video_out[i]["dts"].get<int64_t>();
    EXPECT_EQ(dts, video_in[i]->dts);
    EXPECT_GT(dts, last_dts) << "dts must increase";
    last_dts = dts;
    EXPECT_EQ(video_out[i]["flags"].get<std::string>()[0] == 'K', video_in[i]->keyframe);
  }
  for (size_t i = 0; i < audio_out.size(); ++i) {
    EXPECT_EQ(audio_out[i]["pts"].get<int64_t>(), audio_in[i]->pts) << i;
    EXPECT_EQ(audio_out[i]["size"], std::to_string(audio_in[i]->payload.size() + 7)) << i;
  }
}

TEST_F(TsRecordingFile, FfmpegDecodesItWithoutAComplaint) {
  EXPECT_EQ(run_output("ffmpeg -nostdin -v error -i '" + path_.string() + "' -f null - 2>&1"), "");
}

}  // namespace
}  // namespace relaycast
