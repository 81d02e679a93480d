#pragma once
// Test-only: the media of a recorded RTMP publish (tests/fixtures/rtmp) as the fMP4
// muxer's inputs: the two tracks and every frame as a Sample with its duration.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "format/flv.hpp"
#include "format/fmp4_track.hpp"
#include "recorded_rtmp.hpp"

namespace relaycast::test {

inline constexpr uint32_t kVideoTrackId = 1;
inline constexpr uint32_t kAudioTrackId = 2;

struct RecordedMedia {
  std::vector<fmp4::TrackInfo> tracks;  // video, audio
  std::vector<fmp4::Sample> samples;    // in arrival order, durations filled in
  std::vector<MediaPacket> frames;      // the same frames as MediaPackets
};

inline RecordedMedia recorded_media(const std::string& file = "rtmp/ffmpeg-publish.c2s.bin") {
  RecordedMedia media;
  std::optional<fmp4::TrackInfo> video, audio;
  for (const auto& msg : recorded_messages(read_fixture(file))) {
    if (msg.type != flv::kTagAudio && msg.type != flv::kTagVideo) continue;
    auto packet = flv::body_to_packet(msg.type, msg.timestamp_ms, Buffer::copy_of(msg.body));
    if (!packet) continue;  // end of sequence and the like
    const bool is_video = packet->kind == TrackKind::video;
    const uint32_t id = is_video ? kVideoTrackId : kAudioTrackId;
    if (packet->config) {
      auto track = fmp4::track_from_config(id, *packet);
      EXPECT_TRUE(track) << track.error().message();
      if (track) (is_video ? video : audio) = *track;
      continue;
    }
    media.frames.push_back(*packet);
    media.samples.push_back({.track_id = id,
                             .dts = packet->dts,
                             .pts = packet->pts,
                             .keyframe = packet->keyframe,
                             .data = packet->payload});
  }
  EXPECT_TRUE(video && audio) << "the recording has no video or no audio config";
  if (video) media.tracks.push_back(*video);
  if (audio) media.tracks.push_back(*audio);

  // A sample lasts until the next one of its track; the last one as long as the one
  // before it, as a packager would guess at the end of a stream.
  std::map<uint32_t, fmp4::Sample*> last;
  std::map<uint32_t, uint32_t> last_duration;
  for (auto& sample : media.samples) {
    if (auto it = last.find(sample.track_id); it != last.end()) {
      it->second->duration = uint32_t(sample.dts - it->second->dts);
      last_duration[sample.track_id] = it->second->duration;
    }
    last[sample.track_id] = &sample;
  }
  for (auto& [id, sample] : last) sample->duration = last_duration[id];
  return media;
}

// The samples cut into fragments at every video keyframe after the first: what a
// packager making one segment per GOP would do. Audio goes with the video it plays
// along with.
inline std::vector<std::vector<fmp4::Sample>> fragments_per_gop(const std::vector<fmp4::Sample>& samples) {
  std::vector<int64_t> cuts;
  for (const auto& s : samples) {
    if (s.track_id == kVideoTrackId && s.keyframe) cuts.push_back(s.dts);
  }
  std::vector<std::vector<fmp4::Sample>> fragments(std::max<size_t>(cuts.size(), 1));
  for (const auto& s : samples) {
    size_t index = 0;
    while (index + 1 < cuts.size() && s.dts >= cuts[index + 1]) ++index;
    fragments[index].push_back(s);
  }
  return fragments;
}

}  // namespace relaycast::test
