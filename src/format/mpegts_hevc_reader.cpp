#include "format/mpegts_hevc_reader.hpp"

#include <algorithm>

#include "core/byte_io.hpp"
#include "format/annexb_reader.hpp"
#include "media/hevc.hpp"
#include "media/hevc_config_record.hpp"

namespace relaycast::mpegts {
namespace {

// In band but not part of a frame: they travel in the config, or not at all.
bool left_out(uint8_t type) {
  return hevc::is_parameter_set(type) || type == uint8_t(hevc::NalType::aud) ||
         type == uint8_t(hevc::NalType::filler);
}

void keep(std::span<const uint8_t> nal, std::vector<uint8_t>& slot, bool& changed) {
  if (nal.empty() || std::ranges::equal(nal, slot)) return;
  slot.assign(nal.begin(), nal.end());
  changed = true;
}

}  // namespace

Result<void> HevcReader::read(std::span<const uint8_t> access_unit, int64_t pts, int64_t dts,
                              std::vector<MediaPacket>& out) {
  nals_.clear();
  annexb::split_nal_units(access_unit, nals_);
  if (nals_.empty()) return fail(Errc::malformed, "HEVC: access unit of {} bytes has no NAL unit", access_unit.size());

  std::span<const uint8_t> vps, sps, pps;
  size_t frame_size = 0;
  bool irap = false;
  for (auto nal : nals_) {
    if (nal.size() < hevc::kNalHeaderSize) continue;
    const uint8_t type = hevc::nal_type(nal[0]);
    if (type == uint8_t(hevc::NalType::vps) && vps.empty()) vps = nal;
    if (type == uint8_t(hevc::NalType::sps) && sps.empty()) sps = nal;
    if (type == uint8_t(hevc::NalType::pps) && pps.empty()) pps = nal;
    if (left_out(type)) continue;
    irap |= hevc::is_irap(type);
    frame_size += 4 + nal.size();
  }

  // The parameter sets as they stand after this access unit; a new config when they
  // differ from the ones last sent (encoders repeat them before every IRAP picture).
  // An SPS that does not parse is not kept, so the next good one is taken.
  if (!sps.empty()) {
    if (auto parsed = hevc::parse_sps(sps); !parsed)
      return std::unexpected(std::move(parsed.error()).context("HEVC: SPS in band"));
  }
  bool changed = false;
  keep(vps, vps_, changed);
  keep(sps, sps_, changed);
  keep(pps, pps_, changed);
  if (!vps_.empty() && !sps_.empty() && !pps_.empty() && (changed || config_.empty())) {
    auto record = hevc::make_hevc_decoder_config(vps_, sps_, pps_);
    if (!record) return std::unexpected(std::move(record.error()).context("HEVC: parameter sets in band"));
    config_ = std::move(*record);
    out.push_back({.kind = TrackKind::video, .codec = Codec::hevc, .dts = dts, .pts = pts, .keyframe = false,
                   .config = true, .payload = Buffer::copy_of(config_)});
  }
  if (frame_size == 0) return {};
  if (config_.empty()) return fail(Errc::ignored, "HEVC: frame at dts {} before any VPS/SPS/PPS", dts);

  // The one copy on the way in: Annex B to length-prefixed changes every start code.
  BufferBuilder payload(frame_size);
  for (auto nal : nals_) {
    if (nal.size() < hevc::kNalHeaderSize || left_out(hevc::nal_type(nal[0]))) continue;
    store_u32be(payload.unwritten().data(), uint32_t(nal.size()));
    payload.commit(4);
    payload.append(nal);
  }
  out.push_back({.kind = TrackKind::video, .codec = Codec::hevc, .dts = dts, .pts = pts, .keyframe = irap,
                 .payload = std::move(payload).freeze()});
  return {};
}

}  // namespace relaycast::mpegts
