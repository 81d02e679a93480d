#include "server/worker_pool.hpp"

namespace relaycast {

WorkerPool::WorkerPool(size_t workers) {
  for (size_t i = 0; i < std::max<size_t>(1, workers); ++i) {
    // Each context is run by exactly one thread: tell Asio so it can skip locking.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

WorkerPool::~WorkerPool() {
  stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
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
