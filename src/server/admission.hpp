#pragma once
// The checks a play or publish goes through after the local ones (stream name, stream
// key): the signed play token (play_tokens.required) and the on_play / on_publish
// webhooks. Each refusal is counted here under its reason; the session answers the
// client in its protocol and logs. Sessions call them only when admission_configured():
// with no tokens required and no hooks set, a play or publish costs what it did.
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "server/server_context.hpp"
#include "server/stream_hooks.hpp"

namespace relaycast {

inline bool admission_configured(const ServerContext& server) {
  return server.config.play_tokens.required || server.hooks != nullptr;
}

// The token of `query` for `stream_key`, when play_tokens.required.
Admission check_play_token(ServerContext& server, std::string_view stream_key, std::string_view query);

// The token, then on_play.
boost::asio::awaitable<Admission> admit_play(ServerContext& server, const HookClient& client,
                                             boost::asio::any_io_executor executor);
// on_publish.
boost::asio::awaitable<Admission> admit_publish(ServerContext& server, const HookClient& client,
                                                boost::asio::any_io_executor executor);

// The client as hooks describe it.
HookClient hook_client(uint64_t id, std::string_view protocol, std::string_view address, std::string_view app,
                       std::string_view name, std::string_view query);

}  // namespace relaycast
