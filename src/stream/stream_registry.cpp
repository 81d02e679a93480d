#include "stream/stream_registry.hpp"

namespace relaycast {

StreamRegistry::StreamRegistry(StreamLimits limits, uint32_t rtmp_chunk_size, size_t max_streams)
    : limits_(limits), rtmp_chunk_size_(rtmp_chunk_size), max_streams_(max_streams) {}

Result<std::shared_ptr<Stream>> StreamRegistry::publish(const std::string& key, PublisherInfo publisher,
                                                        bool takeover) {
  std::shared_ptr<Stream> replaced;
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(key);
    if (it != live_.end()) {
      if (!takeover)
        return fail(Errc::refused, "{} is already being published from {} {}", key, it->second->publisher().protocol,
                    it->second->publisher().address);
      replaced = it->second;
    } else if (live_.size() >= max_streams_) {
      return fail(Errc::too_large, "the server already has {} live streams, its configured maximum", max_streams_);
    }
    stream = std::make_shared<Stream>(key, std::move(publisher), limits_, rtmp_chunk_size_);
    live_[key] = stream;
  }
  if (replaced) replaced->end();
  return stream;
}

void StreamRegistry::unpublish(const std::shared_ptr<Stream>& stream) {
  stream->end();
  std::lock_guard lock(mutex_);
  auto it = live_.find(stream->key());
  if (it != live_.end() && it->second == stream) live_.erase(it);
}

std::shared_ptr<Stream> StreamRegistry::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = live_.find(key);
  return it == live_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Stream>> out;
  out.reserve(live_.size());
  for (const auto& [key, stream] : live_) out.push_back(stream);
  return out;
}

}  // namespace relaycast
