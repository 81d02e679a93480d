#pragma once
// The [webhooks] of a node (config WebhooksConfig): what the sessions ask before a
// publish or play (on_publish, on_play: a 2xx answer allows, anything else refuses;
// a timeout or failure follows webhooks.failure_policy) and tell when one stops
// (on_unpublish, on_stop, on_record_done: sent in the background, retried with
// backoff, logged, never holding up the media). HLS viewers have no connection: their
// viewing sessions (server/hls_play_sessions.hpp) end when they stop fetching, found
// by a sweep once a second here.
#include <array>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/webhook_client.hpp"
#include "core/config.hpp"
#include "server/server_context.hpp"
#include "server/stream_hooks.hpp"

namespace relaycast::api {

class Webhooks : public StreamHooks {
public:
  // Fails on a URL that cannot be used (parse_config already refuses most).
  static Result<std::unique_ptr<Webhooks>> create(ServerContext& context, boost::asio::io_context& main);
  ~Webhooks() override;

  // Starts the HLS session sweep and says which hooks are on: after Server::start.
  void start();
  // After Server::run returns, before the server is destroyed. The object itself must
  // outlive the server's workers (sessions that end while they stop still notify).
  void stop();

  bool wants(HookEvent event) const override { return urls_[size_t(event)].has_value(); }
  boost::asio::awaitable<Admission> decide(HookEvent event, HookClient client,
                                           boost::asio::any_io_executor executor) override;
  void notify(HookEvent event, HookClient client, HookEnding ending, boost::asio::any_io_executor executor) override;
  void record_done(RecordDone record, boost::asio::any_io_executor executor) override;

  // What every background delivery needs, kept alive by the deliveries in flight.
  struct Delivery {
    WebhooksConfig config;
    std::string server_id;
  };

private:
  Webhooks(ServerContext& context, boost::asio::io_context& main, std::array<std::optional<WebhookUrl>, 5> urls);
  void send(HookEvent event, std::string subject, std::string body, boost::asio::any_io_executor executor);
  void sweep_hls_sessions();

  ServerContext& context_;
  boost::asio::io_context& main_;
  const std::array<std::optional<WebhookUrl>, 5> urls_;  // by HookEvent
  std::shared_ptr<const Delivery> delivery_;
  std::shared_ptr<boost::asio::steady_timer> sweep_;
};

}  // namespace relaycast::api
