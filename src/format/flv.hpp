#pragma once
// FLV (Adobe "Video File Format Specification" v10.1, annex E) and the Enhanced RTMP
// v1 video ex-header. The FLV tag body is also the RTMP audio/video message body, so
// the conversions here serve RTMP ingest/playback as well as FLV files and HTTP-FLV.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/buffer.hpp"
#include "core/byte_io.hpp"
#include "core/error.hpp"
#include "media/media_packet.hpp"

namespace relaycast::flv {

// E.4.1 TagType
inline constexpr uint8_t kTagAudio = 8;
inline constexpr uint8_t kTagVideo = 9;
inline constexpr uint8_t kTagScript = 18;

inline constexpr size_t kFileHeaderSize = 9;
inline constexpr size_t kTagHeaderSize = 11;
inline constexpr size_t kPreviousTagSizeSize = 4;
// Longest body_prefix(): an Enhanced RTMP CodedFrames header (byte, FourCC, SI24).
inline constexpr size_t kMaxBodyPrefix = 8;

// E.2 file header, then PreviousTagSize0 (13 bytes in all).
void write_file_header(bool has_audio, bool has_video, std::vector<uint8_t>& out);

// E.4.1 tag header, 11 bytes. `data_size` must be below 2^24; a timestamp past 2^24 ms
// goes into TimestampExtended, so the full 32 bits survive.
void write_tag_header(uint8_t type, uint32_t data_size, uint32_t timestamp_ms, uint8_t* out11);

// E.3: the 4 bytes after a tag.
inline void write_previous_tag_size(uint32_t data_size, uint8_t* out4) {
  store_u32be(out4, uint32_t(kTagHeaderSize) + data_size);
}

struct Tag {
  uint8_t type = 0;  // kTagAudio, kTagVideo, kTagScript, or a reserved value to ignore
  uint32_t timestamp_ms = 0;
  Buffer body;
};

// Sans-IO FLV demuxer: feed it the bytes of a file or an HTTP-FLV response in slices
// of any size, and it hands out whole tags.
//
// Memory: one tag body (up to max_tag_size) is allocated when its header arrives, and
// bytes are copied straight into it; nothing else grows with the input.
class FlvReader {
public:
  static constexpr size_t kDefaultMaxTagSize = 8 << 20;
  explicit FlvReader(size_t max_tag_size = kDefaultMaxTagSize) : max_tag_size_(max_tag_size) {}

  // Consumes all of `bytes` and appends each tag they complete to `tags`. An error is
  // final: the reader stays failed and returns the same error on every later call
  // (tags completed before the error are still appended). Errors: malformed (not FLV,
  // PreviousTagSize mismatch), unsupported (version, encrypted tags), too_large.
  Result<void> feed(std::span<const uint8_t> bytes, std::vector<Tag>& tags);

  // Known once the file header has been read.
  bool header_done() const { return state_ != State::file_header; }
  bool has_audio() const { return has_audio_; }
  bool has_video() const { return has_video_; }
  // True when the bytes so far end exactly between two tags (or after the trailing
  // PreviousTagSize). At the end of a file, false means it was cut inside a tag.
  bool at_boundary() const {
    return !error_ && (state_ == State::previous_tag_size || state_ == State::tag_header) && field_have_ == 0;
  }

private:
  enum class State : uint8_t { file_header, header_padding, previous_tag_size, tag_header, body };

  Result<void> on_small_field(std::vector<Tag>& tags);
  Result<void> fail_with(Error error);
  void expect(State state, size_t size);

  size_t max_tag_size_;
  State state_ = State::file_header;
  // Fixed-size fields (file header, tag header, PreviousTagSize) gather here, since a
  // slice may end inside one.
  std::array<uint8_t, kTagHeaderSize> field_{};
  size_t field_size_ = kFileHeaderSize;
  size_t field_have_ = 0;
  size_t padding_left_ = 0;  // header bytes past the 9 of version 1 (DataOffset > 9)
  uint32_t expected_previous_size_ = 0;
  Tag tag_;
  std::optional<BufferBuilder> body_;
  bool has_audio_ = false;
  bool has_video_ = false;
  std::optional<Error> error_;
};

// E.4.2.1 / E.4.3.1 (+ Enhanced RTMP): an audio, video or script tag body (equally an
// RTMP message of type 8, 9 or 18) as a MediaPacket. The payload is a slice of `body`,
// never a copy.
//
// - H.264 (CodecID 7, or ex-header FourCC 'avc1'), HEVC (ex-header 'hvc1'): sequence
//   header -> config (AVC/HEVC DecoderConfigurationRecord), frames -> length-prefixed
//   NAL units with pts = dts + CompositionTime.
// - AV1 (ex-header 'av01') and VP9 ('vp09'), passed through: sequence start -> config
//   (AV1CodecConfigurationRecord, VPCodecConfigurationRecord), coded frames -> the
//   OBUs / VP9 frames as sent, pts = dts.
// - AAC (SoundFormat 10): sequence header -> config (AudioSpecificConfig), raw frames
//   with keyframe = true (every AAC frame is a random access point).
// - Script: TrackKind::data / Codec::script; a leading "@setDataFrame" string (what a
//   publisher sends over RTMP) is sliced off, so the payload is as in an FLV file.
//
// Errc::ignored for everything that carries nothing to forward, which callers
// should drop quietly: empty bodies and frames, AVC/HEVC end of sequence (ffmpeg
// sends one when it stops publishing), video command frames, ex-header metadata.
// Also Errc::unsupported, with the codec named, for codecs we cannot carry (MP3,
// HEVC as CodecID 12, VVC, ...), which callers may want to report once.
// Errc::truncated / malformed for broken bodies (a header cut short, an unknown
// packet type, a sequence header without data).
Result<MediaPacket> body_to_packet(uint8_t tag_type, uint32_t timestamp_ms, const Buffer& body);

// The tag body header that precedes `packet.payload` on the wire, written to `out`
// (room for kMaxBodyPrefix bytes); returns its length: H.264 5, HEVC 5 or 8, AV1 and VP9 5
// (Enhanced RTMP), AAC 2, script 0. Returns 0 too for a codec FLV cannot carry (see carries()).
// No allocation: this runs once per packet per output format on the fan-out path.
size_t body_prefix(const MediaPacket& packet, uint8_t* out);

// Whether body_prefix() can frame packets of this codec.
bool carries(Codec codec);

uint8_t tag_type(TrackKind kind);

}  // namespace relaycast::flv
