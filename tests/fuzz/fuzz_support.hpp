#pragma once
// What the fuzz targets share: an invariant check that crashes (so libFuzzer keeps the
// input), slicing of an input the way a socket would deliver it, and real codec
// configurations for targets that need valid ones to get past the first check.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

// An invariant of the code under test, not an input check: when it fails the input is
// a bug report.
#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace relaycast::fuzz {

// Cuts `bytes` into slices of 1..max_slice bytes whose sizes follow from `seed`, so
// that one input always gives the same slices and parsers see fields split anywhere.
template <class F>
void for_each_slice(std::span<const uint8_t> bytes, uint32_t seed, size_t max_slice, F&& f) {
  uint32_t state = seed * 2654435761u + 1;
  size_t pos = 0;
  while (pos < bytes.size()) {
    state = state * 1664525u + 1013904223u;
    // Mostly small slices, now and then everything that is left.
    size_t n = (state >> 28) == 0 ? bytes.size() - pos : 1 + (state >> 8) % max_slice;
    if (n > bytes.size() - pos) n = bytes.size() - pos;
    f(bytes.subspan(pos, n));
    pos += n;
  }
}

// From tests/fixtures/rtmp/ffmpeg-publish.c2s.bin: x264 High 320x240 and AAC LC 44.1 kHz
// stereo, as ffmpeg sends them in its sequence headers.
inline constexpr uint8_t kAvcConfig[] = {
    0x01, 0x64, 0x00, 0x0d, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41,
    0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x01, 0xe0, 0xf1, 0x42, 0x99,
    0x60, 0x01, 0x00, 0x04, 0x68, 0xef, 0xbc, 0xb0, 0xfd, 0xf8, 0xf8, 0x00};
inline constexpr uint8_t kAacConfig[] = {0x12, 0x08, 0x56, 0xe5, 0x00};

}  // namespace relaycast::fuzz
