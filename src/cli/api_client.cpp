#include "cli/api_client.hpp"

#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace relaycast::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

Result<ServerUrl> parse_server_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.starts_with("https://"))
    return fail(Errc::config, "{}: the API is plain HTTP on the server's HTTP port (use http://, or a TLS proxy)", url);
  if (!url.starts_with(scheme)) return fail(Errc::config, "{}: not an http://host:port URL", url);
  auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash));
  while (prefix.ends_with('/')) prefix.pop_back();
  auto authority = rest.substr(0, slash);
  ServerUrl out{.port = "80", .prefix = prefix};
  if (authority.starts_with('[')) {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::config, "{}: unclosed [ in the address", url);
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(':')) out.port = std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty() || out.port.empty()) return fail(Errc::config, "{}: no host or port", url);
  return out;
}

Result<ApiReply> call_api(const ApiTarget& target, http::verb method, const std::string& path,
                          const std::optional<json>& body) {
  auto url = parse_server_url(target.server);
  if (!url) return std::unexpected(url.error());
  asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  auto unreachable = [&](std::string_view why) {
    return fail(Errc::closed, "server not reachable at {}: {}", target.server, why);
  };
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) return unreachable(fmt::format("cannot resolve {}: {}", url->host, ec.message()));
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(endpoints, ec);
  if (ec == beast::error::timeout) return unreachable("no answer within 10 s");
  if (ec) return unreachable(ec.message());

  http::request<http::string_body> request{method, url->prefix + path, 11};
  request.set(http::field::host, url->host + ":" + url->port);
  request.set(http::field::user_agent, "relaycast-cli");
  request.set(http::field::accept, "application/json");
  if (!target.token.empty()) request.set(http::field::authorization, "Bearer " + target.token);
  if (body) {
    request.set(http::field::content_type, "application/json");
    request.body() = body->dump();
  }
  request.prepare_payload();
  http::write(stream, request, ec);
  if (ec) return unreachable(fmt::format("sending the request failed: {}", ec.message()));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec == beast::error::timeout) return fail(Errc::timeout, "{} did not answer {} {} within 10 s", target.server,
                                               std::string(http::to_string(method)), path);
  if (ec) return unreachable(fmt::format("reading the answer failed: {}", ec.message()));

  ApiReply reply{.status = response.result_int(), .body = nullptr, .text = response.body()};
  if (!reply.text.empty()) reply.body = json::parse(reply.text, nullptr, /*allow_exceptions=*/false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

std::string describe_failure(const ApiReply& reply) {
  std::string detail;
  if (reply.body.is_object() && reply.body.contains("detail") && reply.body["detail"].is_string())
    detail = reply.body["detail"].get<std::string>();
  if (reply.status == 401) return "401: token missing or wrong (--token or RELAYCAST_TOKEN, the server's api.token)";
  if (reply.status == 403) return fmt::format("403: {}", detail.empty() ? "forbidden" : detail);
  if (detail.empty()) return fmt::format("the server answered {}: {}", reply.status, reply.text.substr(0, 200));
  return detail;
}

}  // namespace relaycast::cli
