#include "api/webhook_client.hpp"

// g++ 12 at -O2 reports Asio's coroutine frame allocator as mismatched once it inlines
// enough of it: a known false positive (chriskohlhoff/asio#1391), not a bug here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace relaycast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://"))
    return fail(Errc::config, "{}: https is not supported for webhooks; use http://", url);
  if (!url.starts_with(kScheme)) return fail(Errc::config, "{}: a webhook URL starts with http://", url);
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target.starts_with('?')) target.insert(0, "/");
  WebhookUrl out{.text = std::string(url), .host = {}, .port = "80", .target = std::move(target)};
  // [v6 literal]:port, host:port, host
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::config, "{}: unterminated IPv6 address", url);
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority[0] != ':') return fail(Errc::config, "{}: bad host", url);
    if (!authority.empty()) out.port = std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(out.port.data(), out.port.data() + out.port.size(), port);
  if (out.host.empty()) return fail(Errc::config, "{}: no host", url);
  if (ec != std::errc() || end != out.port.data() + out.port.size() || port == 0 || port > 65535)
    return fail(Errc::config, "{}: the port must be 1-65535", url);
  return out;
}

namespace {

Error transport_error(const WebhookUrl& url, std::string_view step, const boost::system::error_code& ec,
                      std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return Error(Errc::timeout, fmt::format("no answer from {} within {} ms (webhooks.timeout_ms)", url.text, timeout.count()));
  return Error(Errc::closed, fmt::format("{} {}: {}", step, url.text, ec.message()));
}

}  // namespace

asio::awaitable<Result<WebhookReply>> post_json(asio::any_io_executor executor, const WebhookUrl& url, std::string body,
                                                std::chrono::milliseconds timeout) {
  beast::tcp_stream stream(executor);
  // One deadline for the whole exchange: it covers every operation started before it.
  stream.expires_after(timeout);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    std::tie(ec) = co_await stream.async_connect(tcp::endpoint(address, uint16_t(std::stoul(url.port))),
                                                 asio::as_tuple(asio::use_awaitable));
  } else {
    // Names are resolved by the system resolver, outside the deadline: use an address
    // or a name the local resolver answers at once.
    tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(url.host, url.port, asio::as_tuple(asio::use_awaitable));
    if (resolve_ec) co_return std::unexpected(transport_error(url, "resolving", resolve_ec, timeout));
    stream.expires_after(timeout);
    std::tie(ec, std::ignore) = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  }
  if (ec) co_return std::unexpected(transport_error(url, "connecting to", ec, timeout));

  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, url.port == "80" ? url.host : url.host + ":" + url.port);
  request.set(http::field::user_agent, "relaycast webhook");
  request.set(http::field::content_type, "application/json");
  request.keep_alive(false);
  request.body() = std::move(body);
  request.prepare_payload();
  std::tie(ec, std::ignore) = co_await http::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return std::unexpected(transport_error(url, "sending to", ec, timeout));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return std::unexpected(transport_error(url, "reading the answer of", ec, timeout));
  const auto& response = parser.get();
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return WebhookReply{.status = response.result_int(),
                         .reason = std::string(response.reason()),
                         .body = response.body()};
}

}  // namespace relaycast::api
