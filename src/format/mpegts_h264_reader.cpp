#include "format/mpegts_h264_reader.hpp"

#include <algorithm>

#include "core/byte_io.hpp"
#include "format/annexb_reader.hpp"
#include "media/h264.hpp"
#include "media/h264_config_record.hpp"

namespace relaycast::mpegts {
namespace {

constexpr uint8_t kFillerData = 12;  // H.264 Table 7-1

bool same(std::span<const uint8_t> a, const std::vector<uint8_t>& b) { return std::ranges::equal(a, b); }

}  // namespace

Result<void> H264Reader::read(std::span<const uint8_t> access_unit, int64_t pts, int64_t dts,
                              std::vector<MediaPacket>& out) {
  nals_.clear();
  annexb::split_nal_units(access_unit, nals_);
  if (nals_.empty()) return fail(Errc::malformed, "H.264: access unit of {} bytes has no NAL unit", access_unit.size());

  std::span<const uint8_t> sps, pps;
  size_t frame_size = 0;
  bool idr = false;
  for (auto nal : nals_) {
    switch (h264::NalType(h264::nal_type(nal[0]))) {
      case h264::NalType::sps: sps = nal; break;
      case h264::NalType::pps: pps = nal; break;
      case h264::NalType::aud: break;
      default:
        if (h264::nal_type(nal[0]) == kFillerData) break;
        if (h264::nal_type(nal[0]) == uint8_t(h264::NalType::idr)) idr = true;
        frame_size += 4 + nal.size();
    }
  }

  // The parameter sets as they stand after this access unit; a new config when they
  // differ from the ones last sent (encoders repeat them before every keyframe).
  std::span<const uint8_t> new_sps = sps.empty() ? std::span<const uint8_t>(sps_) : sps;
  std::span<const uint8_t> new_pps = pps.empty() ? std::span<const uint8_t>(pps_) : pps;
  if (!new_sps.empty() && !new_pps.empty() && (!same(new_sps, sps_) || !same(new_pps, pps_) || config_.empty())) {
    if (auto parsed = h264::parse_sps(new_sps); !parsed)
      return std::unexpected(std::move(parsed.error()).context("H.264: SPS in band"));
    auto record = h264::make_avc_decoder_config(new_sps, new_pps);
    if (!record) return std::unexpected(std::move(record.error()).context("H.264: parameter sets in band"));
    sps_.assign(new_sps.begin(), new_sps.end());
    pps_.assign(new_pps.begin(), new_pps.end());
    config_ = std::move(*record);
    out.push_back({.kind = TrackKind::video, .codec = Codec::h264, .dts = dts, .pts = pts, .keyframe = false,
                   .config = true, .payload = Buffer::copy_of(config_)});
  } else if (!sps.empty() && pps.empty() && pps_.empty()) {
    sps_.assign(sps.begin(), sps.end());  // the PPS may come in a later access unit
  } else if (sps.empty() && !pps.empty() && sps_.empty()) {
    pps_.assign(pps.begin(), pps.end());
  }
  if (frame_size == 0) return {};
  if (config_.empty()) return fail(Errc::ignored, "H.264: frame at dts {} before any SPS/PPS", dts);

  // The one copy on the way in: Annex B to AVCC changes every start code into a length.
  BufferBuilder payload(frame_size);
  for (auto nal : nals_) {
    const uint8_t type = h264::nal_type(nal[0]);
    if (type == uint8_t(h264::NalType::sps) || type == uint8_t(h264::NalType::pps) ||
        type == uint8_t(h264::NalType::aud) || type == kFillerData)
      continue;
    store_u32be(payload.unwritten().data(), uint32_t(nal.size()));
    payload.commit(4);
    payload.append(nal);
  }
  out.push_back({.kind = TrackKind::video, .codec = Codec::h264, .dts = dts, .pts = pts, .keyframe = idr,
                 .payload = std::move(payload).freeze()});
  return {};
}

}  // namespace relaycast::mpegts
