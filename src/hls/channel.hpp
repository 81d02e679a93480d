#pragma once
// The HLS output of one stream key: a Segmenter behind a lock, the clients blocked on
// what it has not made yet, and the lookup of files by name. Thread-safe: the feeder
// runs on the publisher's worker, HTTP clients on any.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hls/segment_directory.hpp"
#include "hls/segmenter.hpp"
#include "stream/stream_waiter.hpp"

namespace relaycast::hls {

enum class PlaylistKind { ts, ll, multivariant };

// What a blocking request (a playlist with _HLS_msn, or the hinted part) waits for.
enum class Availability {
  ready,      // there, answer now
  pending,    // will exist soon: wait (bounded)
  too_far,    // RFC 8216bis 6.2.5.2: more than two segments ahead: 400
  gone,       // not there and never will be: 404
};

struct FileLookup {
  Availability availability = Availability::gone;
  std::vector<Buffer> bytes;  // when ready
  std::string content_type;
};

class Channel {
public:
  // With a `directory`, classic HLS is also written there (SegmentDirectory).
  Channel(std::string key, SegmenterOptions options, std::string epoch, std::string directory = {});

  const std::string& key() const { return key_; }
  const std::string& epoch() const { return epoch_; }

  void push(const MediaPacket& packet);
  void end_of_stream();
  bool live() const;
  std::chrono::steady_clock::time_point ended_at() const;

  // Empty when nothing is packaged yet.
  std::string playlist(PlaylistKind kind) const;
  // RFC 8216bis 6.2.5.2: is segment `msn` (or its part `part`) there yet?
  Availability playlist_ready(uint64_t msn, std::optional<uint32_t> part) const;
  // A file of the stream folder by name ("<epoch>-12.ts", "<epoch>-12.3.m4s", ...).
  FileLookup file(std::string_view name) const;

  // Wakes `waiter` at the next change (a part or segment made, or the stream's end).
  void wait(const std::shared_ptr<StreamWaiter>& waiter);
  void forget(const std::shared_ptr<StreamWaiter>& waiter);

private:
  Availability part_availability_locked(uint64_t msn, uint32_t part) const;
  void wake_locked(std::vector<std::shared_ptr<StreamWaiter>>& out);

  const std::string key_;
  const std::string epoch_;
  mutable std::mutex mutex_;
  Segmenter segmenter_;
  std::vector<std::shared_ptr<StreamWaiter>> waiters_;
  std::chrono::steady_clock::time_point ended_at_{};
  size_t observed_parts_ = 0;
  size_t completed_segments_ = 0;
  std::optional<SegmentDirectory> directory_;  // changes in parts/segments seen, to know when to wake
};

}  // namespace relaycast::hls
