#include "format/flv.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace relaycast::flv {
namespace {

// E.4.3.1 FrameType
constexpr int kKeyFrame = 1;
constexpr int kInterFrame = 2;
constexpr int kCommandFrame = 5;
// E.4.3.1 CodecID
constexpr int kCodecAvc = 7;
// E.4.2.1 SoundFormat
constexpr int kSoundAac = 10;
// AAC must be signalled as 44 kHz, 16-bit, stereo whatever the real parameters
// (E.4.2.1: "If the SoundFormat indicates AAC, the SoundType should be set to 1 ...
// and the SoundRate should be set to 3"); players read them from the config.
constexpr uint8_t kAacAudioByte = 0xaf;

// Enhanced RTMP v1 VideoPacketType
enum ExPacketType : uint8_t {
  kSequenceStart = 0,
  kCodedFrames = 1,
  kSequenceEnd = 2,
  kCodedFramesX = 3,
  kMetadata = 4,
  kMpeg2TsSequenceStart = 5,
};
constexpr uint8_t kIsExHeader = 0x80;
constexpr uint8_t kFourCcHevc[4] = {'h', 'v', 'c', '1'};
constexpr uint8_t kFourCcAvc[4] = {'a', 'v', 'c', '1'};
constexpr uint8_t kFourCcAv1[4] = {'a', 'v', '0', '1'};
constexpr uint8_t kFourCcVp9[4] = {'v', 'p', '0', '9'};

std::string_view video_codec_name(int codec_id) {
  switch (codec_id) {
    case 2: return "Sorenson H.263";
    case 3: return "Screen video";
    case 4: return "On2 VP6";
    case 5: return "On2 VP6 with alpha";
    case 6: return "Screen video v2";
    case 12: return "HEVC as CodecID 12 (non-standard; use Enhanced RTMP)";
    case 13: return "AV1 as CodecID 13 (non-standard; use Enhanced RTMP)";
    default: return "unknown";
  }
}

std::string_view sound_format_name(int format) {
  switch (format) {
    case 0: return "linear PCM, platform endian";
    case 1: return "ADPCM";
    case 2: return "MP3";
    case 3: return "linear PCM, little endian";
    case 4: return "Nellymoser 16 kHz mono";
    case 5: return "Nellymoser 8 kHz mono";
    case 6: return "Nellymoser";
    case 7: return "G.711 A-law";
    case 8: return "G.711 mu-law";
    case 9: return "reserved (Enhanced RTMP v2 audio ex-header)";
    case 11: return "Speex";
    case 14: return "MP3 8 kHz";
    case 15: return "device-specific";
    default: return "unknown";
  }
}

std::string printable_fourcc(std::span<const uint8_t> fourcc) {
  std::string out;
  for (uint8_t c : fourcc) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  return out;
}

int32_t load_si24(const uint8_t* p) {
  uint32_t v = load_u24be(p);
  return v & 0x800000 ? int32_t(v) - 0x1000000 : int32_t(v);
}

enum class VideoPart { config, frames, end };

// What the AVC and the ex-header paths share once their headers are parsed.
Result<MediaPacket> video_packet(Codec codec, int frame_type, VideoPart part, int32_t cts_ms, int64_t dts,
                                 Buffer payload) {
  if (part == VideoPart::end) return fail(Errc::ignored, "{} end of sequence (nothing to forward)", to_string(codec));
  if (payload.empty()) {
    if (part == VideoPart::config) return fail(Errc::malformed, "{} sequence header without data", to_string(codec));
    return fail(Errc::ignored, "{} frame without data (nothing to forward)", to_string(codec));
  }
  MediaPacket p;
  p.kind = TrackKind::video;
  p.codec = codec;
  p.dts = dts;
  p.pts = dts + ms_to_ticks(cts_ms);
  p.config = part == VideoPart::config;
  p.keyframe = !p.config && frame_type == kKeyFrame;
  p.payload = std::move(payload);
  return p;
}

// Enhanced RTMP v1, ExVideoTagHeader:
//   IsExHeader UB[1] = 1, FrameType UB[3], PacketType UB[4], FourCC UI32,
//   then for CodedFrames a CompositionTime SI24 ('hvc1'; 'avc1' from v2); for
//   CodedFramesX none (the offset is 0).
Result<MediaPacket> ex_video_packet(int64_t dts, const Buffer& body) {
  const int frame_type = (body[0] >> 4) & 0x07;
  const uint8_t packet_type = body[0] & 0x0f;
  if (frame_type == kCommandFrame) return fail(Errc::ignored, "video command frame (nothing to forward)");
  if (body.size() < 5) return fail(Errc::truncated, "Enhanced RTMP video header of {} bytes", body.size());
  auto fourcc = body.span().subspan(1, 4);
  Codec codec = Codec::none;
  if (std::ranges::equal(fourcc, kFourCcHevc)) codec = Codec::hevc;
  if (std::ranges::equal(fourcc, kFourCcAvc)) codec = Codec::h264;
  // AV1 and VP9 are passed through as they came, for FLV players only: the sequence
  // start is the AV1CodecConfigurationRecord or the VPCodecConfigurationRecord, the
  // frames are OBUs or VP9 frames.
  if (std::ranges::equal(fourcc, kFourCcAv1)) codec = Codec::av1;
  if (std::ranges::equal(fourcc, kFourCcVp9)) codec = Codec::vp9;
  if (codec == Codec::none) {
    return fail(Errc::unsupported, "video codec '{}' (Enhanced RTMP) is not supported", printable_fourcc(fourcc));
  }
  switch (packet_type) {
    case kSequenceStart: return video_packet(codec, frame_type, VideoPart::config, 0, dts, body.slice(5));
    case kCodedFrames:
      // Only the NAL unit codecs have a CompositionTime; AV1 and VP9 frames are sent in
      // presentation order.
      if (codec == Codec::av1 || codec == Codec::vp9)
        return video_packet(codec, frame_type, VideoPart::frames, 0, dts, body.slice(5));
      if (body.size() < 8) return fail(Errc::truncated, "{} CodedFrames header of {} bytes", to_string(codec), body.size());
      return video_packet(codec, frame_type, VideoPart::frames, load_si24(body.data() + 5), dts, body.slice(8));
    case kCodedFramesX: return video_packet(codec, frame_type, VideoPart::frames, 0, dts, body.slice(5));
    case kSequenceEnd: return video_packet(codec, frame_type, VideoPart::end, 0, dts, {});
    case kMetadata: return fail(Errc::ignored, "Enhanced RTMP video metadata (nothing to forward)");
    case kMpeg2TsSequenceStart: return fail(Errc::unsupported, "Enhanced RTMP MPEG2TSSequenceStart");
    default: return fail(Errc::unsupported, "Enhanced RTMP video packet type {}", packet_type);
  }
}

// E.4.3.1 VIDEODATA: FrameType UB[4], CodecID UB[4], then for AVC (E.4.3.2)
//   AVCPacketType UI8 (0 sequence header, 1 NALUs, 2 end of sequence),
//   CompositionTime SI24 (0 unless AVCPacketType is 1).
Result<MediaPacket> video_tag(int64_t dts, const Buffer& body) {
  if (body.empty()) return fail(Errc::ignored, "empty video tag (nothing to forward)");
  if (body[0] & kIsExHeader) return ex_video_packet(dts, body);
  const int frame_type = body[0] >> 4;
  const int codec_id = body[0] & 0x0f;
  if (frame_type == kCommandFrame) return fail(Errc::ignored, "video command frame (nothing to forward)");
  if (codec_id != kCodecAvc) {
    return fail(Errc::unsupported, "video codec {} ({}) is not supported", codec_id, video_codec_name(codec_id));
  }
  if (body.size() < 5) return fail(Errc::truncated, "AVC video header of {} bytes", body.size());
  const int32_t cts = load_si24(body.data() + 2);
  switch (body[1]) {
    case 0: return video_packet(Codec::h264, frame_type, VideoPart::config, 0, dts, body.slice(5));
    case 1: return video_packet(Codec::h264, frame_type, VideoPart::frames, cts, dts, body.slice(5));
    case 2: return video_packet(Codec::h264, frame_type, VideoPart::end, 0, dts, {});
    default: return fail(Errc::malformed, "AVCPacketType {}", body[1]);
  }
}

// E.4.2.1 AUDIODATA: SoundFormat UB[4], SoundRate UB[2], SoundSize UB[1],
//   SoundType UB[1], then for AAC (E.4.2.2) AACPacketType UI8 (0 sequence header, 1 raw).
Result<MediaPacket> audio_tag(int64_t dts, const Buffer& body) {
  if (body.empty()) return fail(Errc::ignored, "empty audio tag (nothing to forward)");
  const int format = body[0] >> 4;
  if (format != kSoundAac) {
    return fail(Errc::unsupported, "audio format {} ({}) is not supported", format, sound_format_name(format));
  }
  if (body.size() < 2) return fail(Errc::truncated, "AAC audio header of {} bytes", body.size());
  if (body[1] > 1) return fail(Errc::malformed, "AACPacketType {}", body[1]);
  MediaPacket p;
  p.kind = TrackKind::audio;
  p.codec = Codec::aac;
  p.dts = p.pts = dts;
  p.config = body[1] == 0;
  p.keyframe = !p.config;
  p.payload = body.slice(2);
  if (p.payload.empty() && p.config) return fail(Errc::malformed, "AAC sequence header without data");
  if (p.payload.empty()) return fail(Errc::ignored, "AAC frame without data (nothing to forward)");
  return p;
}

// A publisher's RTMP data message is `"@setDataFrame", "onMetaData", {...}` (the
// first string tells the server to keep the rest); FLV files and players expect the
// rest alone. The marker as AMF0: string marker, U16 length 13, the name.
constexpr std::string_view kSetDataFrame("\x02\x00\x0d@setDataFrame", 16);

Result<MediaPacket> script_tag(int64_t dts, const Buffer& body) {
  if (body.empty()) return fail(Errc::ignored, "empty script tag (nothing to forward)");
  MediaPacket p;
  p.kind = TrackKind::data;
  p.codec = Codec::script;
  p.dts = p.pts = dts;
  auto bytes = body.span();
  const bool set_data_frame = bytes.size() >= kSetDataFrame.size() &&
                              std::equal(kSetDataFrame.begin(), kSetDataFrame.end(), bytes.begin(),
                                         [](char a, uint8_t b) { return uint8_t(a) == b; });
  p.payload = set_data_frame ? body.slice(kSetDataFrame.size()) : body;
  return p;
}

int32_t composition_ms(const MediaPacket& p) {
  // SI24 range; a wilder offset is a bug upstream, and wrapping would be worse.
  return int32_t(std::clamp<int64_t>(ticks_to_ms(p.pts - p.dts), -0x800000, 0x7fffff));
}

}  // namespace

void write_file_header(bool has_audio, bool has_video, std::vector<uint8_t>& out) {
  ByteWriter w(out);
  w.text("FLV");
  w.u8(1);  // version
  // TypeFlagsReserved UB[5], TypeFlagsAudio UB[1], TypeFlagsReserved UB[1], TypeFlagsVideo UB[1]
  w.u8(uint8_t((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0)));
  w.u32be(kFileHeaderSize);  // DataOffset
  w.u32be(0);                // PreviousTagSize0
}

// E.4.1 FLVTAG: Reserved UB[2], Filter UB[1], TagType UB[5], DataSize UI24,
//   Timestamp UI24, TimestampExtended UI8 (the upper 8 bits), StreamID UI24 (always 0).
void write_tag_header(uint8_t type, uint32_t data_size, uint32_t timestamp_ms, uint8_t* out11) {
  out11[0] = type & 0x1f;
  store_u24be(out11 + 1, data_size & 0xffffff);
  store_u24be(out11 + 4, timestamp_ms & 0xffffff);
  out11[7] = uint8_t(timestamp_ms >> 24);
  store_u24be(out11 + 8, 0);
}

Result<void> FlvReader::feed(std::span<const uint8_t> bytes, std::vector<Tag>& tags) {
  if (error_) return std::unexpected(*error_);
  while (!bytes.empty()) {
    if (state_ == State::header_padding) {
      const size_t n = std::min(padding_left_, bytes.size());
      padding_left_ -= n;
      bytes = bytes.subspan(n);
      if (padding_left_ == 0) expect(State::previous_tag_size, kPreviousTagSizeSize);
    } else if (state_ == State::body) {
      const size_t n = std::min(body_->capacity() - body_->size(), bytes.size());
      body_->append(bytes.first(n));
      bytes = bytes.subspan(n);
      if (body_->size() == body_->capacity()) {
        tag_.body = std::move(*body_).freeze();
        body_.reset();
        tags.push_back(std::move(tag_));
        expect(State::previous_tag_size, kPreviousTagSizeSize);
      }
    } else {
      const size_t n = std::min(field_size_ - field_have_, bytes.size());
      std::memcpy(field_.data() + field_have_, bytes.data(), n);
      field_have_ += n;
      bytes = bytes.subspan(n);
      if (field_have_ == field_size_) {
        if (auto r = on_small_field(tags); !r) return r;
      }
    }
  }
  return {};
}

void FlvReader::expect(State state, size_t size) {
  state_ = state;
  field_size_ = size;
  field_have_ = 0;
}

Result<void> FlvReader::fail_with(Error error) {
  error_ = std::move(error).context("FLV");
  return std::unexpected(*error_);
}

Result<void> FlvReader::on_small_field(std::vector<Tag>& tags) {
  const uint8_t* f = field_.data();
  switch (state_) {
    // E.2 FLV header: Signature "FLV", Version UI8, TypeFlags UI8, DataOffset UI32.
    case State::file_header: {
      if (f[0] != 'F' || f[1] != 'L' || f[2] != 'V') return fail_with(Error(Errc::malformed, "not an FLV file (no signature)"));
      if (f[3] != 1) return fail_with(Error(Errc::unsupported, fmt::format("version {}", f[3])));
      has_audio_ = f[4] & 0x04;
      has_video_ = f[4] & 0x01;
      const uint32_t offset = load_u32be(f + 5);
      if (offset < kFileHeaderSize) return fail_with(Error(Errc::malformed, fmt::format("DataOffset {}", offset)));
      // Later versions may grow the header; what follows the 9 bytes we know is skipped.
      padding_left_ = offset - kFileHeaderSize;
      expected_previous_size_ = 0;
      if (padding_left_ > 0) {
        state_ = State::header_padding;
      } else {
        expect(State::previous_tag_size, kPreviousTagSizeSize);
      }
      return {};
    }
    // E.3: PreviousTagSize UI32 is 11 + the previous tag's DataSize (0 before the first).
    // A mismatch means we lost sync with the tag boundaries.
    case State::previous_tag_size: {
      const uint32_t size = load_u32be(f);
      if (size != expected_previous_size_) {
        return fail_with(Error(Errc::malformed, fmt::format("PreviousTagSize {}, expected {}", size, expected_previous_size_)));
      }
      expect(State::tag_header, kTagHeaderSize);
      return {};
    }
    // E.4.1 FLVTAG header, see write_tag_header().
    case State::tag_header: {
      if (f[0] & 0x20) return fail_with(Error(Errc::unsupported, "encrypted tag (Filter bit set)"));
      const uint32_t data_size = load_u24be(f + 1);
      if (data_size > max_tag_size_) {
        return fail_with(Error(Errc::too_large, fmt::format("tag of {} bytes is over the limit of {}", data_size, max_tag_size_)));
      }
      tag_ = Tag{.type = uint8_t(f[0] & 0x1f), .timestamp_ms = load_u24be(f + 4) | uint32_t(f[7]) << 24, .body = {}};
      expected_previous_size_ = uint32_t(kTagHeaderSize) + data_size;
      if (data_size == 0) {
        tags.push_back(std::move(tag_));
        expect(State::previous_tag_size, kPreviousTagSizeSize);
      } else {
        body_.emplace(data_size);
        state_ = State::body;
      }
      return {};
    }
    case State::header_padding:
    case State::body: break;
  }
  return {};
}

Result<MediaPacket> body_to_packet(uint8_t tag_type, uint32_t timestamp_ms, const Buffer& body) {
  const int64_t dts = ms_to_ticks(timestamp_ms);
  switch (tag_type) {
    case kTagVideo: return video_tag(dts, body);
    case kTagAudio: return audio_tag(dts, body);
    case kTagScript: return script_tag(dts, body);
    default: return fail(Errc::unsupported, "FLV tag type {}", tag_type);
  }
}

size_t body_prefix(const MediaPacket& p, uint8_t* out) {
  const int frame_type = p.keyframe || p.config ? kKeyFrame : kInterFrame;
  switch (p.codec) {
    case Codec::h264:
      out[0] = uint8_t(frame_type << 4 | kCodecAvc);
      out[1] = p.config ? 0 : 1;
      store_u24be(out + 2, p.config ? 0 : uint32_t(composition_ms(p)) & 0xffffff);
      return 5;
    case Codec::hevc: {
      // CodedFramesX saves the 3 bytes when there is no composition offset.
      const int32_t cts = p.config ? 0 : composition_ms(p);
      const uint8_t type = p.config ? kSequenceStart : cts != 0 ? kCodedFrames : kCodedFramesX;
      out[0] = uint8_t(kIsExHeader | frame_type << 4 | type);
      std::copy(std::begin(kFourCcHevc), std::end(kFourCcHevc), out + 1);
      if (type != kCodedFrames) return 5;
      store_u24be(out + 5, uint32_t(cts) & 0xffffff);
      return 8;
    }
    case Codec::av1:
    case Codec::vp9: {
      // Enhanced RTMP v1: AV1 and VP9 CodedFrames carry no CompositionTime.
      out[0] = uint8_t(kIsExHeader | frame_type << 4 | (p.config ? kSequenceStart : kCodedFrames));
      const uint8_t* fourcc = p.codec == Codec::av1 ? kFourCcAv1 : kFourCcVp9;
      std::copy(fourcc, fourcc + 4, out + 1);
      return 5;
    }
    case Codec::aac:
      out[0] = kAacAudioByte;
      out[1] = p.config ? 0 : 1;
      return 2;
    default: return 0;
  }
}

bool carries(Codec codec) {
  return codec == Codec::h264 || codec == Codec::hevc || codec == Codec::av1 || codec == Codec::vp9 ||
         codec == Codec::aac || codec == Codec::script;
}

uint8_t tag_type(TrackKind kind) {
  switch (kind) {
    case TrackKind::video: return kTagVideo;
    case TrackKind::audio: return kTagAudio;
    case TrackKind::data: return kTagScript;
  }
  return kTagScript;
}

}  // namespace relaycast::flv
