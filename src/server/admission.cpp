#include "server/admission.hpp"

#include <chrono>

#include "server/play_token.hpp"

namespace relaycast {

HookClient hook_client(uint64_t id, std::string_view protocol, std::string_view address, std::string_view app,
                       std::string_view name, std::string_view query) {
  return {.client_id = id,
          .protocol = std::string(protocol),
          .remote_address = std::string(address),
          .app = std::string(app),
          .name = std::string(name),
          .query = std::string(query)};
}

Admission check_play_token(ServerContext& server, std::string_view stream_key, std::string_view query) {
  const auto& tokens = server.config.play_tokens;
  if (!tokens.required) return {};
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto verified = verify_play_token(tokens.secret, stream_key, query_param(query, "token"), now);
  if (verified) return {};
  const Refusal reason = refusal_of(verified.error().fault);
  server.refusals.count(reason);
  return std::unexpected(Denial{reason, std::move(verified.error().message)});
}

namespace {

boost::asio::awaitable<Admission> ask(ServerContext& server, HookEvent event, const HookClient& client,
                                      boost::asio::any_io_executor executor) {
  if (!server.hooks || !server.hooks->wants(event)) co_return Admission{};
  auto verdict = co_await server.hooks->decide(event, client, executor);
  if (!verdict) server.refusals.count(verdict.error().reason);
  co_return verdict;
}

}  // namespace

boost::asio::awaitable<Admission> admit_play(ServerContext& server, const HookClient& client,
                                             boost::asio::any_io_executor executor) {
  if (auto token = check_play_token(server, client.app + "/" + client.name, client.query); !token) co_return token;
  co_return co_await ask(server, HookEvent::play, client, executor);
}

boost::asio::awaitable<Admission> admit_publish(ServerContext& server, const HookClient& client,
                                                boost::asio::any_io_executor executor) {
  co_return co_await ask(server, HookEvent::publish, client, executor);
}

}  // namespace relaycast
