#pragma once
// One io_context per thread (DESIGN.md, Concurrency). Connections are spread over
// the workers round robin and stay on theirs for life, so a session's coroutines
// never run on two threads at once and need no locks.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace relaycast {

// An io_context whose owner may shut it down (destroy every handler still queued or
// waiting) before destroying it; Asio keeps shutdown() protected.
class WorkerContext : public boost::asio::io_context {
public:
  WorkerContext() : io_context(1) {}  // run by exactly one thread: Asio may skip locking
  using boost::asio::execution_context::shutdown;
};

class WorkerPool {
public:
  explicit WorkerPool(size_t workers);
  ~WorkerPool();

  // Worker 0 is the calling thread's, run by run(); the others get their own thread.
  void start();
  void run();
  void stop();
  // Stops the workers, joins their threads and destroys what is still queued or waiting
  // on every context (sessions' coroutine frames and all they hold) while every context
  // still exists; the contexts stay until the pool is destroyed, so io objects that
  // outlive this (a Stream's batch timer, kept by the registry) can still go safely.
  void shutdown();

  boost::asio::io_context& main() { return *contexts_[0]; }
  boost::asio::io_context& next();
  size_t size() const { return contexts_.size(); }

private:
  std::vector<std::unique_ptr<WorkerContext>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace relaycast
