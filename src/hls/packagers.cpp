#include "hls/packagers.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>

#include "stream/subscription.hpp"

namespace relaycast::hls {
namespace {

std::string new_epoch() {
  static std::mutex mutex;
  static std::mt19937 rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  return fmt::format("{:08x}", rng());
}

boost::asio::awaitable<void> feed(std::shared_ptr<Channel> channel, std::shared_ptr<Subscription> subscription) {
  std::vector<FramePtr> frames;
  while (co_await subscription->read(frames) == ReadStatus::frames)
    for (const auto& frame : frames) channel->push(frame->packet);
  channel->end_of_stream();
}

}  // namespace

Packagers::Packagers(HlsConfig config) : config_(config) {}

void Packagers::attach(const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor) {
  if (!config_.enabled) return;
  std::shared_ptr<Channel> channel;
  {
    std::lock_guard lock(mutex_);
    forget_expired_locked();
    auto& slot = channels_[stream->key()];
    if (!slot || slot->live()) {
      const SegmenterOptions options{.segment_target = ms_to_ticks(config_.segment_ms),
                                     .part_target = ms_to_ticks(config_.part_ms),
                                     .window = config_.window,
                                     .force_cut = ms_to_ticks(config_.force_cut_ms)};
      slot = std::make_shared<Channel>(stream->key(), options, new_epoch(), config_.directory);
    }
    channel = slot;
  }
  boost::asio::co_spawn(executor, feed(channel, stream->subscribe(executor)), boost::asio::detached);
}

std::shared_ptr<Channel> Packagers::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  forget_expired_locked();
  auto it = channels_.find(key);
  return it == channels_.end() ? nullptr : it->second;
}

void Packagers::forget_expired_locked() {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(channels_, [&](const auto& entry) {
    const auto& c = entry.second;
    const auto ended = c->ended_at();
    return ended != std::chrono::steady_clock::time_point{} && !c->live() &&
           now - ended > std::chrono::milliseconds(config_.linger_ms);
  });
}

}  // namespace relaycast::hls
