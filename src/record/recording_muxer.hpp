#pragma once
// A live stream as a fragmented MP4 file, in the order it is to be written: the
// initialization part (ftyp + moov) once the codecs are known, then a fragment (moof
// + mdat) at every video keyframe and at least every `fragment_ms`. Whatever was
// written is a playable file, so a crash loses at most the fragment being built.
//
// Pure: MediaPackets in, byte blocks out; the Recorder writes them on its own thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/buffer.hpp"
#include "format/fmp4_track.hpp"
#include "hls/frame_interval.hpp"
#include "media/media_packet.hpp"

namespace relaycast::record {

struct RecordingChunk {
  enum class Kind { init, fragment };
  Kind kind = Kind::fragment;
  // Written in order with one gathered write: the built head and the frames' own
  // buffers (no copy of the media).
  std::vector<Buffer> bytes;
  int64_t start = 0;     // kTimebase, fragments only
  int64_t duration = 0;  // kTimebase, fragments only
  bool keyframe = false;  // the fragment starts with a video keyframe (or has no video)
  size_t size() const;
};

class RecordingMuxer {
public:
  // `warn` hears what cannot be recorded (a codec the file cannot carry), once each.
  RecordingMuxer(int64_t fragment_ticks, std::function<void(const std::string&)> warn);

  // What to write after `packet`. A new init chunk means a new file: the codecs
  // changed (or the source did), and an MP4 file has one set of sample descriptions.
  std::vector<RecordingChunk> push(const MediaPacket& packet);
  // The last fragment, at the end of the stream.
  std::vector<RecordingChunk> finish();

  bool started() const { return !tracks_.empty(); }

private:
  struct Track {
    uint32_t id = 0;
    std::optional<MediaPacket> config;
    std::optional<fmp4::Sample> pending;  // its duration comes with the next frame
    hls::FrameInterval interval;
  };

  bool start(std::vector<RecordingChunk>& out);
  void complete(Track& track, int64_t next_dts);
  void cut(std::vector<RecordingChunk>& out);
  Track& track_of(TrackKind kind) { return kind == TrackKind::video ? video_ : audio_; }

  const int64_t fragment_ticks_;
  std::function<void(const std::string&)> warn_;
  bool told_skipped_codec_ = false;  // a track of a codec fMP4 cannot carry was said once
  Track video_{1, {}, {}, hls::FrameInterval(3000)};
  Track audio_{2, {}, {}, hls::FrameInterval(1920)};
  std::vector<fmp4::TrackInfo> tracks_;  // empty until started
  std::vector<fmp4::Sample> samples_;    // complete samples of the open fragment
  int64_t fragment_start_ = 0;
  uint32_t sequence_ = 0;
};

}  // namespace relaycast::record
