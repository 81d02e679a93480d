#pragma once
// Splitting an ITU-T H.264/H.265 Annex B byte stream (B.1: NAL units behind 3- or 4-byte
// start codes) into its NAL units, as MPEG-TS carries video.
#include <cstdint>
#include <span>
#include <vector>

namespace relaycast::annexb {

// Appends each NAL unit of `bytes` to `nals` (not cleared), as views into `bytes`,
// without start codes and without the trailing_zero_8bits before the next start code.
// Bytes before the first start code are not a NAL unit and are skipped; empty NAL
// units are left out.
void split_nal_units(std::span<const uint8_t> bytes, std::vector<std::span<const uint8_t>>& nals);

}  // namespace relaycast::annexb
