#include "server/server.hpp"

#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/log.hpp"
#include "server/http_session.hpp"
#include "server/rtmp_session.hpp"

namespace relaycast {
namespace {

size_t worker_count(int configured) {
  if (configured > 0) return size_t(configured);
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

Server::Server(Config config) : workers_(worker_count(config.server.workers)), context_(std::move(config)) {}

// Sessions hold references to context_ and streams hold timers of the workers' contexts:
// end the sessions while both exist, then context_ goes, then the contexts.
Server::~Server() {
  stop();
  workers_.shutdown();
}

Result<void> Server::start() {
  const auto& c = context_.config;
  if (c.rtmp.enabled) {
    auto listener = std::make_unique<Listener>(context_, workers_, "RTMP", [this](auto socket, auto ticket) {
      std::make_shared<RtmpSession>(context_, std::move(socket), std::move(ticket))->start();
    });
    if (auto ok = listener->open(c.server.bind, c.rtmp.port); !ok) return ok;
    listeners_.push_back(std::move(listener));
  }
  if (c.http.enabled) {
    auto listener = std::make_unique<Listener>(context_, workers_, "HTTP", [this](auto socket, auto ticket) {
      std::make_shared<HttpSession>(context_, std::move(socket), std::move(ticket))->start();
    });
    if (auto ok = listener->open(c.server.bind, c.http.port); !ok) return ok;
    listeners_.push_back(std::move(listener));
  }
  if (auto ok = open_tls_listeners(); !ok) return ok;
  if (c.srt.enabled) {
    srt_ = std::make_unique<SrtListener>(context_, workers_);
    if (auto ok = srt_->open(c.server.bind, c.srt.port); !ok) return ok;
  }
  for (auto& l : listeners_) l->start();
  for (auto& l : tls_listeners_) l->start();
  if (srt_) srt_->start();
  workers_.start();

  spdlog::info("relaycast listening on {}: RTMP {}{}, HTTP {}{}, SRT {}/udp{}; {} worker(s)", c.server.bind,
               c.rtmp.port, c.rtmp.enabled ? "" : " (off)", c.http.port, c.http.enabled ? "" : " (off)", c.srt.port,
               c.srt.enabled ? "" : " (off)", workers_.size());
  if (context_.publish_keys.open())
    spdlog::warn("no stream keys are configured: anyone who can reach port {} may publish ([[auth.publish_keys]])",
                 c.rtmp.port);
  if (c.demo.enabled) {
    demo_ = std::make_unique<DemoPublisher>(c.demo.ffmpeg,
                                            fmt::format("rtmp://127.0.0.1:{}/{}", c.rtmp.port, c.demo.stream));
    demo_->start();
  }
  return {};
}

void Server::set_stream_hooks(StreamHooks* hooks) {
  context_.hooks = hooks;
  if (!hooks) return;
  // The recorder calls on its writer thread; the hook is sent from worker 0.
  auto executor = workers_.main().get_executor();
  context_.recorder.set_on_done([hooks, executor](const record::RecordedFile& f) {
    const auto slash = f.stream.find('/');
    RecordDone done{.app = f.stream.substr(0, slash),
                    .name = f.stream.substr(slash + 1),
                    .file = f.path,
                    .duration_s = double(f.duration_ms) / 1000,
                    .bytes = f.bytes};
    boost::asio::post(executor, [hooks, executor, done = std::move(done)]() mutable {
      hooks->record_done(std::move(done), executor);
    });
  });
}

Result<void> Server::open_tls_listeners() {
  const auto& c = context_.config;
  if (c.tls.certificate.empty()) return {};
  auto tls = make_tls_context(c.tls);
  if (!tls) return std::unexpected(tls.error());
  // The plain side is reached over loopback, or over the bound address when the
  // server listens on one address only.
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(c.server.bind, ec);
  if (ec || address.is_unspecified())
    address = address.is_v6() ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
                              : boost::asio::ip::address(boost::asio::ip::address_v4::loopback());
  auto add = [&](const char* protocol, uint16_t port, bool plain_enabled, const char* plain_name,
                 uint16_t plain_port) -> Result<void> {
    if (port == 0) return {};
    if (!plain_enabled)
      return fail(Errc::config, "{} on port {} needs the {} listener, which is off", protocol, port, plain_name);
    auto listener = std::make_unique<TlsTerminator>(context_, workers_, *tls, protocol,
                                                    boost::asio::ip::tcp::endpoint(address, plain_port));
    if (auto ok = listener->open(c.server.bind, port); !ok) return ok;
    spdlog::info("{} on port {} (certificate {})", protocol, listener->port(), c.tls.certificate);
    tls_listeners_.push_back(std::move(listener));
    return {};
  };
  const uint16_t rtmp_port = c.rtmp.enabled ? listeners_.front()->port() : 0;
  const uint16_t http_port = c.http.enabled ? listeners_.back()->port() : 0;
  if (auto ok = add("RTMPS", c.tls.rtmps_port, c.rtmp.enabled, "RTMP", rtmp_port); !ok) return ok;
  return add("HTTPS", c.tls.https_port, c.http.enabled, "HTTP", http_port);
}

void Server::run() {
  boost::asio::signal_set signals(workers_.main(), SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down", signal);
    stop();
  });
  // SIGHUP: re-read the configuration (the handler re-arms itself).
  boost::asio::signal_set hangup(workers_.main(), SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    spdlog::info("received SIGHUP, reloading the configuration");
    if (on_reload_) on_reload_();
    hangup.async_wait(on_hangup);
  };
  hangup.async_wait(on_hangup);
  workers_.run();
}

void Server::stop() {
  if (demo_) demo_->stop();
  for (auto& l : listeners_) l->stop();
  for (auto& l : tls_listeners_) l->stop();
  if (srt_) srt_->stop();
  workers_.stop();
}

}  // namespace relaycast
