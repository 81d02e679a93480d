#pragma once
// The flag bits of ISO/IEC 14496-12 that the fMP4 writer and the file index both
// read or write.
#include <cstdint>

namespace relaycast::fmp4 {

// 8.8.7.1 tf_flags (tfhd).
inline constexpr uint32_t kBaseDataOffsetPresent = 0x000001;
inline constexpr uint32_t kSampleDescriptionIndexPresent = 0x000002;
inline constexpr uint32_t kDefaultSampleDurationPresent = 0x000008;
inline constexpr uint32_t kDefaultSampleSizePresent = 0x000010;
inline constexpr uint32_t kDefaultSampleFlagsPresent = 0x000020;
// Base data offsets are relative to the moof, so a fragment means the same wherever
// it is served from (a segment, a part, a file).
inline constexpr uint32_t kDefaultBaseIsMoof = 0x020000;

// 8.8.8.1 tr_flags (trun).
inline constexpr uint32_t kDataOffsetPresent = 0x000001;
inline constexpr uint32_t kFirstSampleFlagsPresent = 0x000004;
inline constexpr uint32_t kSampleDurationPresent = 0x000100;
inline constexpr uint32_t kSampleSizePresent = 0x000200;
inline constexpr uint32_t kSampleFlagsPresent = 0x000400;
inline constexpr uint32_t kSampleCompositionTimeOffsetsPresent = 0x000800;

// 8.8.3.1 sample flags:
//   bit(4) reserved; unsigned int(2) is_leading; unsigned int(2) sample_depends_on;
//   unsigned int(2) sample_is_depended_on; unsigned int(2) sample_has_redundancy;
//   bit(3) sample_padding_value; bit(1) sample_is_non_sync_sample;
//   unsigned int(16) sample_degradation_priority;
// sample_depends_on 2 = "does not depend on others" (an I picture, every AAC frame);
// 1 = "depends on others", and such a sample is not a random access point.
inline constexpr uint32_t kSampleIsNonSync = 1u << 16;
inline constexpr uint32_t kSyncSampleFlags = 2u << 24;
inline constexpr uint32_t kNonSyncSampleFlags = 1u << 24 | kSampleIsNonSync;

}  // namespace relaycast::fmp4
