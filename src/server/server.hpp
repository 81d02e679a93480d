#pragma once
// A relaycast node: the workers, the listeners and what they share.
#include <memory>
#include <optional>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "server/demo_publisher.hpp"
#include "server/listener.hpp"
#include "server/server_context.hpp"
#include "server/worker_pool.hpp"

namespace relaycast {

class Server {
public:
  explicit Server(Config config);
  ~Server();

  // Opens the listeners; the error says what could not be opened and why.
  Result<void> start();
  // Runs until SIGINT/SIGTERM or stop().
  void run();
  void stop();

  ServerContext& context() { return context_; }

private:
  ServerContext context_;
  WorkerPool workers_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unique_ptr<DemoPublisher> demo_;
};

}  // namespace relaycast
