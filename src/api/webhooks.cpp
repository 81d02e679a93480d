#include "api/webhooks.hpp"

// g++ 12 at -O2 reports Asio's coroutine frame allocator as mismatched once it inlines
// enough of it: a known false positive (chriskohlhoff/asio#1391), not a bug here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/webhook_body.hpp"
#include "core/log.hpp"

namespace relaycast::api {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "relaycast";
  return name.data();
}

HookOrigin origin(const Webhooks::Delivery& d) { return {d.server_id, std::chrono::system_clock::now()}; }

// The start of a refusing answer's body, for the client and the log: one line of
// printable text.
std::string excerpt(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string text(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool success(unsigned status) { return status >= 200 && status < 300; }

// A notify-only hook: tries once, then `retries` more times with doubling waits.
asio::awaitable<void> deliver(std::shared_ptr<const Webhooks::Delivery> delivery, WebhookUrl url, HookEvent event,
                              std::string subject, std::string body) {
  const auto& c = delivery->config;
  const auto executor = co_await asio::this_coro::executor;
  milliseconds backoff(c.retry_backoff_ms);
  const uint32_t attempts = c.retries + 1;
  for (uint32_t attempt = 1;; ++attempt) {
    auto reply = co_await post_json(executor, url, body, milliseconds(c.timeout_ms));
    if (reply && success(reply->status)) {
      spdlog::debug("webhook {} for {}: {} answered {}", to_string(event), subject, url.text, reply->status);
      co_return;
    }
    const std::string why = reply ? fmt::format("{} answered {} {}", url.text, reply->status, reply->reason)
                                  : reply.error().message();
    if (attempt >= attempts) {
      spdlog::error("webhook {} for {}: giving up after {} attempt(s): {}", to_string(event), subject, attempts, why);
      co_return;
    }
    spdlog::warn("webhook {} for {}: attempt {} of {} failed: {}; retrying in {} ms", to_string(event), subject, attempt,
                 attempts, why, backoff.count());
    asio::steady_timer wait(executor, backoff);
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    backoff *= 2;
  }
}

}  // namespace

Result<std::unique_ptr<Webhooks>> Webhooks::create(ServerContext& context, asio::io_context& main) {
  const auto& c = context.config.webhooks;
  std::array<std::optional<WebhookUrl>, 5> urls;
  const std::array<std::pair<HookEvent, const std::string*>, 5> configured = {{{HookEvent::publish, &c.on_publish},
                                                                               {HookEvent::unpublish, &c.on_unpublish},
                                                                               {HookEvent::play, &c.on_play},
                                                                               {HookEvent::stop, &c.on_stop},
                                                                               {HookEvent::record_done, &c.on_record_done}}};
  for (const auto& [event, text] : configured) {
    if (text->empty()) continue;
    auto url = parse_webhook_url(*text);
    if (!url) return std::unexpected(std::move(url.error()).context(fmt::format("webhooks.{}", to_string(event))));
    urls[size_t(event)] = std::move(*url);
  }
  return std::unique_ptr<Webhooks>(new Webhooks(context, main, std::move(urls)));
}

Webhooks::Webhooks(ServerContext& context, asio::io_context& main, std::array<std::optional<WebhookUrl>, 5> urls)
    : context_(context),
      main_(main),
      urls_(std::move(urls)),
      delivery_(std::make_shared<const Delivery>(Delivery{context.config.webhooks, host_name()})) {}

// The sweep timer belongs to the main worker's context, which may be gone by now:
// stop() is called while it runs (after Server::run returns).
Webhooks::~Webhooks() = default;

void Webhooks::start() {
  const auto& c = context_.config.webhooks;
  for (size_t i = 0; i < urls_.size(); ++i)
    if (urls_[i])
      spdlog::info("webhooks: {} -> {}{}", to_string(HookEvent(i)), urls_[i]->text,
                   HookEvent(i) == HookEvent::publish || HookEvent(i) == HookEvent::play
                       ? fmt::format(" (decides; on a timeout of {} ms or a failure: {})", c.timeout_ms, c.failure_policy)
                       : fmt::format(" (notifies; {} retries)", c.retries));
  if (wants(HookEvent::play) || wants(HookEvent::stop)) sweep_hls_sessions();
}

void Webhooks::stop() {
  if (sweep_) sweep_->cancel();
  sweep_.reset();
}

void Webhooks::sweep_hls_sessions() {
  sweep_ = std::make_shared<asio::steady_timer>(main_);
  auto timer = sweep_;
  asio::co_spawn(
      main_,
      [this, timer]() -> asio::awaitable<void> {
        for (;;) {
          timer->expires_after(std::chrono::seconds(1));
          auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;  // stopped
          for (auto& ended : context_.hls_plays.expire(std::chrono::steady_clock::now())) {
            if (!wants(HookEvent::stop)) continue;
            notify(HookEvent::stop, std::move(ended.client), {"the player stopped fetching the stream", ended.duration_s},
                   main_.get_executor());
          }
        }
      },
      asio::detached);
}

asio::awaitable<Admission> Webhooks::decide(HookEvent event, HookClient client, asio::any_io_executor executor) {
  const auto& url = *urls_[size_t(event)];
  const auto& c = delivery_->config;
  const std::string stream = client.app + "/" + client.name;
  const std::string body = text(webhook_body(event, client, origin(*delivery_)));
  auto reply = co_await post_json(executor, url, body, milliseconds(c.timeout_ms));
  if (!reply) {
    if (c.failure_policy == "allow") {
      spdlog::warn("webhook {} for {} ({} {}): {}; allowed (webhooks.failure_policy = allow)", to_string(event), stream,
                   client.protocol, client.remote_address, reply.error().message());
      co_return Admission{};
    }
    co_return std::unexpected(Denial{Refusal::webhook_unavailable,
                                     fmt::format("the {} webhook failed: {} (webhooks.failure_policy = deny)",
                                                 to_string(event), reply.error().message())});
  }
  if (success(reply->status)) co_return Admission{};
  const std::string detail = excerpt(reply->body);
  co_return std::unexpected(Denial{Refusal::webhook_denied,
                                   fmt::format("denied by the {} webhook: {} answered {} {}{}", to_string(event),
                                               url.text, reply->status, reply->reason,
                                               detail.empty() ? "" : ": " + detail)});
}

void Webhooks::send(HookEvent event, std::string subject, std::string body, asio::any_io_executor executor) {
  asio::co_spawn(executor, deliver(delivery_, *urls_[size_t(event)], event, std::move(subject), std::move(body)),
                 asio::detached);
}

void Webhooks::notify(HookEvent event, HookClient client, HookEnding ending, asio::any_io_executor executor) {
  if (!wants(event)) return;
  std::string subject = fmt::format("{}/{} ({} client {})", client.app, client.name, client.protocol, client.client_id);
  send(event, std::move(subject), text(webhook_body(event, client, origin(*delivery_), &ending)), executor);
}

void Webhooks::record_done(RecordDone record, asio::any_io_executor executor) {
  if (!wants(HookEvent::record_done)) return;
  std::string subject = fmt::format("{}/{} ({})", record.app, record.name, record.file);
  send(HookEvent::record_done, std::move(subject), text(record_done_body(record, origin(*delivery_))), executor);
}

}  // namespace relaycast::api
