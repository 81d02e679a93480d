#pragma once
// The live streams of this node by key ("app/name"). Thread-safe.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "stream/stream.hpp"

namespace relaycast {

class StreamRegistry {
public:
  StreamRegistry(StreamLimits limits, uint32_t rtmp_chunk_size, size_t max_streams);

  // Starts a publish session. With a live stream of that key already, refuses
  // (Errc::refused) unless `takeover`, which ends the old one.
  Result<std::shared_ptr<Stream>> publish(const std::string& key, PublisherInfo publisher, bool takeover);
  // Ends `stream` and forgets it if it is still the live one for its key.
  void unpublish(const std::shared_ptr<Stream>& stream);

  std::shared_ptr<Stream> find(const std::string& key) const;
  std::vector<std::shared_ptr<Stream>> list() const;

private:
  const StreamLimits limits_;
  const uint32_t rtmp_chunk_size_;
  const size_t max_streams_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Stream>> live_;
};

}  // namespace relaycast
