#pragma once
// How long to wait before the next attempt after `failures` failed ones in a row:
// doubling from `min` up to `max`, then a random share of it dropped (jitter), so that
// edges that lost the same origin do not all come back at the same instant.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace relaycast::relay {

inline std::chrono::milliseconds backoff_delay(uint32_t failures, uint32_t min_ms, uint32_t max_ms) {
  if (failures == 0 || max_ms == 0) return std::chrono::milliseconds(0);
  const uint64_t doubled = uint64_t(std::max<uint32_t>(min_ms, 1)) << std::min<uint32_t>(failures - 1, 20);
  const uint64_t capped = std::min<uint64_t>(doubled, max_ms);
  thread_local std::mt19937 rng{std::random_device{}()};
  // Between half and all of it: never 0 (a tight loop), never over max.
  std::uniform_int_distribution<uint64_t> jitter(capped / 2, capped);
  return std::chrono::milliseconds(jitter(rng));
}

}  // namespace relaycast::relay
