#pragma once
// A relaycast node: the workers, the listeners and what they share.
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "server/demo_publisher.hpp"
#include "server/listener.hpp"
#include "server/server_context.hpp"
#include "server/tls_terminator.hpp"
#include "server/srt_listener.hpp"
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
  size_t workers() const { return workers_.size(); }
  // Where control-plane timers run (worker 0).
  boost::asio::io_context& main_context() { return workers_.main(); }
  // Before start(): who answers the HTTP paths the media routes do not (src/api).
  void set_http_extension(HttpExtension* extension) { context_.http_extension = extension; }
  // Before start(): who decides on publishes and plays and hears when they stop (src/api).
  // Also reports finished recordings to it (on_record_done).
  void set_stream_hooks(StreamHooks* hooks);
  // Before start(): where RTMP players of cluster.balance_app are sent (src/cluster).
  void set_play_redirector(PlayRedirector* redirector) { context_.play_redirector = redirector; }
  // Before run(): called on worker 0 at each SIGHUP.
  void on_reload_signal(std::function<void()> reload) { on_reload_ = std::move(reload); }

private:
  // RTMPS and HTTPS in front of the RTMP (listeners_[0]) and HTTP listeners.
  Result<void> open_tls_listeners();

  // Declared first, destroyed last: what context_ holds (streams with timers on the
  // workers' contexts) must go while those contexts exist.
  WorkerPool workers_;
  ServerContext context_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<TlsTerminator>> tls_listeners_;
  std::unique_ptr<SrtListener> srt_;
  std::unique_ptr<DemoPublisher> demo_;
  std::function<void()> on_reload_;
};

}  // namespace relaycast
