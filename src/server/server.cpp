#include "server/server.hpp"

#include <thread>

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
  if (c.srt.enabled) {
    srt_ = std::make_unique<SrtListener>(context_, workers_);
    if (auto ok = srt_->open(c.server.bind, c.srt.port); !ok) return ok;
  }
  for (auto& l : listeners_) l->start();
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
  if (srt_) srt_->stop();
  workers_.stop();
}

}  // namespace relaycast
