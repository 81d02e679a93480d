#pragma once
// H.264 bitstream parsing: what a server needs to know about a video track without
// decoding it (profile, level, size, frame rate), and walking the length-prefixed NAL
// units that RTMP/FLV and MP4 carry (AVCC).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace relaycast::h264 {

// nal_unit_type values (ITU-T H.264 Table 7-1) that the server looks at.
enum class NalType : uint8_t {
  slice = 1,
  idr = 5,
  sei = 6,
  sps = 7,
  pps = 8,
  aud = 9,
};

inline uint8_t nal_type(uint8_t nal_header) { return nal_header & 0x1f; }

// Undoes 7.4.1's emulation prevention: every 0x03 that follows two zero bytes is
// dropped, giving the RBSP the syntax tables describe.
std::vector<uint8_t> remove_emulation_prevention(std::span<const uint8_t> nal);

struct Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0_flag in the MSB, as in the NAL byte
  uint8_t level_idc = 0;
  uint32_t seq_parameter_set_id = 0;
  uint32_t chroma_format_idc = 1;  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane = false;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  // Needed later to parse slice headers (frame_num, pic_order_cnt_lsb widths).
  uint32_t log2_max_frame_num = 4;
  uint32_t pic_order_cnt_type = 0;
  uint32_t log2_max_pic_order_cnt_lsb = 0;  // only for pic_order_cnt_type 0
  uint32_t max_num_ref_frames = 0;
  bool frame_mbs_only = true;
  // Displayed size: the coded macroblocks minus the frame cropping.
  uint32_t width = 0;
  uint32_t height = 0;
  // VUI timing (E.2.1); both 0 when the SPS does not carry it.
  uint32_t num_units_in_tick = 0;
  uint32_t time_scale = 0;
  bool fixed_frame_rate = false;

  bool constraint_set(int i) const { return (constraint_flags >> (7 - i)) & 1; }
  // Frames per second from the VUI timing, if present: a frame is two ticks (E.2.1,
  // time_scale counts fields), which is what every encoder we know of writes.
  std::optional<double> frame_rate() const;
};

// 7.3.2.1.1 seq_parameter_set_data. `nal` is the whole NAL unit, header byte included,
// with its emulation prevention bytes. The SPS is read to its rbsp_trailing_bits, so
// a truncated NAL unit is an error (Errc::truncated) and never a partial result;
// values the spec does not allow are Errc::malformed.
Result<Sps> parse_sps(std::span<const uint8_t> nal);

// "H.264 High@4.0 1280x720".
std::string describe(const Sps& sps);
std::string profile_name(uint8_t profile_idc, uint8_t constraint_flags);
// RFC 6381 codecs parameter ("avc1.64001f"), for HLS playlists and MSE.
std::string codec_string(const Sps& sps);

struct AvcDecoderConfig {
  uint8_t profile = 0;        // AVCProfileIndication
  uint8_t compatibility = 0;  // profile_compatibility
  uint8_t level = 0;          // AVCLevelIndication
  int nalu_length_size = 4;   // bytes in each NAL unit length prefix of the samples
  // Parameter sets are copied out: they are a few dozen bytes, once per stream.
  std::vector<std::vector<uint8_t>> sps;
  std::vector<std::vector<uint8_t>> pps;
};

// ISO/IEC 14496-15 5.3.3.1 AVCDecoderConfigurationRecord (the FLV AVC sequence header
// and the MP4 avcC box body).
Result<AvcDecoderConfig> parse_avc_decoder_config(std::span<const uint8_t> record);

// Checks that `avcc` is a whole sequence of NAL units, each behind a big-endian
// length of `length_size` bytes (1..4).
Result<void> check_avcc(std::span<const uint8_t> avcc, int length_size);

// Calls `callback(std::span<const uint8_t> nal)` for each NAL unit of an AVCC payload.
// The payload is checked first, so on error the callback has not been called at all.
// Empty NAL units are skipped. A callback that returns bool stops the walk with false.
template <class F>
Result<void> for_each_nal(std::span<const uint8_t> avcc, int length_size, F&& callback) {
  if (auto checked = check_avcc(avcc, length_size); !checked) return checked;
  size_t pos = 0;
  while (pos < avcc.size()) {
    uint32_t length = 0;
    for (int i = 0; i < length_size; ++i) length = length << 8 | avcc[pos + i];
    pos += size_t(length_size);
    auto nal = avcc.subspan(pos, length);
    pos += length;
    if (nal.empty()) continue;
    if constexpr (std::is_same_v<std::invoke_result_t<F&, std::span<const uint8_t>>, bool>) {
      if (!callback(nal)) break;
    } else {
      callback(nal);
    }
  }
  return {};
}

}  // namespace relaycast::h264
