#include "format/mpegts_aac_reader.hpp"

namespace relaycast::mpegts {
namespace {

constexpr size_t kSamplesPerFrame = 1024;
// The longest an ADTS frame can be (13-bit length): more carry than this is garbage.
constexpr size_t kMaxFrame = 8191;

}  // namespace

Result<void> AacReader::read(std::span<const uint8_t> payload, std::optional<int64_t> pts,
                             std::vector<MediaPacket>& out) {
  // One copy: the raw frames are slices of this block, shared by every viewer.
  const size_t carried = carry_.size();
  BufferBuilder builder(carried + payload.size());
  builder.append(carry_);
  builder.append(payload);
  carry_.clear();
  const Buffer bytes = std::move(builder).freeze();

  bool pts_used = false;
  size_t pos = 0;
  while (pos < bytes.size()) {
    auto header = aac::parse_adts_header(bytes.span().subspan(pos));
    if (!header && header.error().is(Errc::truncated)) break;
    if (!header) return std::unexpected(std::move(header.error()).context("AAC"));
    if (header->frame_length > bytes.size() - pos) break;
    const size_t start = pos;
    pos += header->frame_length;
    if (header->raw_data_blocks != 1)
      return fail(Errc::unsupported, "AAC: ADTS frame with {} raw data blocks", header->raw_data_blocks);

    // 2.4.3.7: the PTS belongs to the first access unit that starts in the PES.
    if (pts && !pts_used && start >= carried) {
      base_pts_ = *pts;
      samples_since_base_ = 0;
      pts_used = true;
    }
    if (!base_pts_) return fail(Errc::ignored, "AAC: frame before any PTS");
    const int64_t t = *base_pts_ + int64_t(samples_since_base_ * uint64_t(kTimebase) / header->sample_rate);
    samples_since_base_ += kSamplesPerFrame;

    if (!config_ || !config_->same_config(*header)) {
      config_ = *header;
      out.push_back({.kind = TrackKind::audio, .codec = Codec::aac, .dts = t, .pts = t, .config = true,
                     .payload = Buffer::copy_of(aac::audio_specific_config(*header))});
    }
    const size_t raw = start + header->header_size;
    if (pos > raw)
      out.push_back({.kind = TrackKind::audio, .codec = Codec::aac, .dts = t, .pts = t, .keyframe = true,
                     .payload = bytes.slice(raw, pos - raw)});
  }
  if (pos < bytes.size()) {
    if (bytes.size() - pos > kMaxFrame) return fail(Errc::malformed, "AAC: {} bytes without a whole ADTS frame", bytes.size() - pos);
    auto rest = bytes.span().subspan(pos);
    carry_.assign(rest.begin(), rest.end());
  }
  return {};
}

}  // namespace relaycast::mpegts
