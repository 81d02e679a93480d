#pragma once
// MPEG-TS PES packet headers (ISO/IEC 13818-1 2.4.3.6, 2.4.3.7): what goes in front of
// each access unit before it is cut into 188-byte TS packets.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace relaycast::mpegts {

// 2.4.3.7 Table 2-22 stream_id: the first video and first audio stream.
inline constexpr uint8_t kStreamIdVideo = 0xe0;
inline constexpr uint8_t kStreamIdAudio = 0xc0;

// PTS, DTS and program_clock_reference_base are 33 bits of a 90 kHz clock, as our
// kTimebase is; longer timestamps wrap, which players expect of a long stream.
inline constexpr uint64_t kTimestampMask = (uint64_t(1) << 33) - 1;
inline uint64_t wrap_timestamp(int64_t ticks) { return uint64_t(ticks) & kTimestampMask; }

// Start code, stream_id, length, two flag bytes, header length, PTS and DTS.
inline constexpr size_t kMaxPesHeaderSize = 19;

// Writes a PES header for `payload_size` bytes of elementary stream data that follow
// it, returns its length (14 with PTS only, 19 with DTS too). Give `dts` only when it
// differs from `pts`: DTS exists for reordered (B-) frames, and one equal to the PTS
// is 5 bytes that say nothing (FFmpeg leaves it out too).
//
// PES_packet_length counts the bytes after it. For video it is 0, "unbounded", which
// 2.4.3.7 allows for video in transport streams only: a video access unit often
// overflows the 16 bits anyway, and one form for every video PES is what players
// know from other muxers (FFmpeg's default). Audio gets the exact length.
//
// data_alignment_indicator is set: every PES we write starts with an access unit (an
// access unit delimiter, an ADTS sync word).
size_t write_pes_header(uint8_t stream_id, int64_t pts, std::optional<int64_t> dts, size_t payload_size,
                        uint8_t* out);

}  // namespace relaycast::mpegts
