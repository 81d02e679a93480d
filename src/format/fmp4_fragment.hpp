#pragma once
// fMP4/CMAF media fragments (ISO/IEC 14496-12 8.8): a moof that describes samples and
// the mdat that holds them. One fragment is an HLS media segment or, in LL-HLS, a
// partial segment (RFC 8216bis 4.4.4.9); segments of several fragments are their
// concatenation.
#include <cstdint>
#include <span>
#include <vector>

#include "core/buffer.hpp"
#include "core/error.hpp"
#include "format/fmp4_track.hpp"

namespace relaycast::fmp4 {

// A fragment as the bytes that are built per fragment (moof and the mdat header) and
// the sample payloads, which are the MediaPackets' own buffers: a server writes
// `head` then `payloads` (scatter-gather), and every viewer shares the same buffers.
struct FragmentParts {
  std::vector<uint8_t> head;     // moof + mdat box header
  std::vector<Buffer> payloads;  // mdat body, in order
  size_t size() const;           // of the whole fragment
};

// One moof + mdat with `samples`, which may belong to any of `tracks` (a traf per
// track that has samples, in the order of `tracks`; within a track samples keep their
// order and must be in decode order). `sequence_number` goes into mfhd and should grow
// by one per fragment of the presentation (8.8.5).
//
// Times: each traf's tfdt is its first sample's dts in the track timescale; sample
// durations and composition offsets are converted from absolute 90 kHz times, so they
// add up without drift. Keyframes are marked as sync samples, other samples as
// depending on others and non-sync.
//
// Errors (Errc::malformed unless said): no samples, a sample of a track not in
// `tracks`, samples out of decode order, a negative decode time, a duration or
// composition offset that does not fit its field, over 4 GiB of data (too_large).
Result<FragmentParts> make_fragment_parts(uint32_t sequence_number, std::span<const TrackInfo> tracks,
                                          std::span<const Sample> samples);

// The same fragment as one contiguous block (copies the payloads; for files and tests).
Result<std::vector<uint8_t>> make_fragment(uint32_t sequence_number, std::span<const TrackInfo> tracks,
                                           std::span<const Sample> samples);

}  // namespace relaycast::fmp4
