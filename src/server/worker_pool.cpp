#include "server/worker_pool.hpp"

namespace relaycast {

WorkerPool::WorkerPool(size_t workers) {
  for (size_t i = 0; i < std::max<size_t>(1, workers); ++i) {
    contexts_.push_back(std::make_unique<WorkerContext>());
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::shutdown() {
  stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  // A session on one worker may hold objects of another's (a viewer's wake-up posted
  // to the publisher's worker): shut every context down before any is destroyed.
  for (auto& c : contexts_) c->shutdown();
}

void WorkerPool::start() {
  for (size_t i = 1; i < contexts_.size(); ++i) threads_.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
}

void WorkerPool::run() { contexts_[0]->run(); }

void WorkerPool::stop() {
  for (auto& c : contexts_) c->stop();
}

boost::asio::io_context& WorkerPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

}  // namespace relaycast
