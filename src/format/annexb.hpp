#pragma once
// ITU-T H.264 Annex B byte stream (NAL units behind start codes), as MPEG-TS carries
// H.264 (ISO/IEC 13818-1 2.14), made from the length-prefixed NAL units (AVCC) that
// RTMP/FLV and MP4 carry.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/h264.hpp"
#include "media/hevc_config_record.hpp"

namespace relaycast::annexb {

// One access unit in Annex B, appended to `pieces` as byte ranges to be gathered by
// whoever copies them out: start codes, the NAL units of `avcc`, the parameter sets of
// `config`. No payload byte is copied here, so the TS packetizer copies each byte once,
// straight into its 188-byte packets. The ranges point into `avcc`, `config` and
// static storage, and live as long as those do.
//
// Order (H.264 7.4.1.2.3): an access unit delimiter first (in-band ones are dropped,
// as it must be the first NAL unit and we always write one: some players, Apple's
// among them, find access units by it); on a keyframe, or an access unit holding an
// IDR slice, the SPS and PPS of `config` unless the access unit carries both in band
// (a player that joins at a segment start has seen no avcC); then the NAL units of the
// payload in their order.
//
// B.1.2: the zero_byte (a 4-byte start code) goes before the first NAL unit of the
// access unit and before parameter sets; other NAL units get 3 bytes.
//
// Errors (nothing is appended then): NAL unit lengths that overrun the payload
// (Errc::truncated), a length size the config does not allow (Errc::malformed).
Result<void> gather_access_unit(std::span<const uint8_t> avcc, const h264::AvcDecoderConfig& config,
                                bool keyframe, std::vector<std::span<const uint8_t>>& pieces);

// The same access unit copied into `out`; for tests and tools.
Result<void> append_access_unit(std::span<const uint8_t> avcc, const h264::AvcDecoderConfig& config,
                                bool keyframe, std::vector<uint8_t>& out);

// HEVC (ITU-T H.265 Annex B, as MPEG-TS stream_type 0x24 carries it), in the same way:
// an access unit delimiter (type 35) first, in-band ones dropped (7.4.2.4.4 wants it
// first); on a keyframe or an IRAP picture the VPS, SPS and PPS of `config` unless the
// access unit carries all three; then the NAL units of `hvcc` in their order.
Result<void> gather_access_unit(std::span<const uint8_t> hvcc, const hevc::HevcDecoderConfig& config,
                                bool keyframe, std::vector<std::span<const uint8_t>>& pieces);
Result<void> append_access_unit(std::span<const uint8_t> hvcc, const hevc::HevcDecoderConfig& config,
                                bool keyframe, std::vector<uint8_t>& out);

namespace detail {
// B.1.2, for both codecs: `nal` behind a 4-byte start code when it is a parameter set
// (or the first of the access unit, which the delimiter always is), else 3 bytes.
void add_nal(std::span<const uint8_t> nal, bool parameter_set, std::vector<std::span<const uint8_t>>& pieces);
}  // namespace detail

}  // namespace relaycast::annexb
