#include "cluster/http_post.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace relaycast::cluster {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<HttpAnswer> post_json(const std::string& base, const std::string& path, const std::string& token,
                             const nlohmann::json& body, std::chrono::milliseconds timeout) {
  constexpr std::string_view scheme = "http://";
  std::string_view rest(base);
  if (!rest.starts_with(scheme)) return fail(Errc::config, "{}: not an http://host:port URL", base);
  rest.remove_prefix(scheme.size());
  const auto slash = rest.find('/');
  std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash));
  while (prefix.ends_with('/')) prefix.pop_back();
  const auto authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  const std::string host(authority.substr(0, colon));
  const std::string port(colon == std::string_view::npos ? "80" : authority.substr(colon + 1));
  if (host.empty() || port.empty()) return fail(Errc::config, "{}: no host or port", base);

  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  http::request<http::string_body> request{http::verb::post, prefix + path, 11};
  request.set(http::field::host, std::string(authority));
  request.set(http::field::user_agent, "relaycast-node");
  request.set(http::field::content_type, "application/json");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  request.body() = body.dump();
  request.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> response;

  // Each step starts the next; any error ends the exchange with what failed.
  std::optional<Result<void>> outcome;
  auto done = [&](std::string_view step, const boost::system::error_code& ec) {
    if (outcome) return;
    if (!ec) outcome = Result<void>();
    else if (ec == beast::error::timeout) outcome = fail(Errc::timeout, "{}: no answer within {} ms ({})", base, timeout.count(), step);
    else outcome = fail(Errc::closed, "{}: {} failed: {}", base, step, ec.message());
  };
  stream.expires_after(timeout);
  resolver.async_resolve(host, port, [&](const boost::system::error_code& ec, asio::ip::tcp::resolver::results_type r) {
    if (ec) return done("resolving the host", ec);
    stream.async_connect(r, [&](const boost::system::error_code& ec, const asio::ip::tcp::endpoint&) {
      if (ec) return done("connecting", ec);
      http::async_write(stream, request, [&](const boost::system::error_code& ec, size_t) {
        if (ec) return done("sending the request", ec);
        http::async_read(stream, buffer, response,
                         [&](const boost::system::error_code& ec, size_t) { done("reading the answer", ec); });
      });
    });
  });
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!outcome) outcome = fail(Errc::timeout, "{}: no answer within {} ms", base, timeout.count());
  if (!*outcome) return std::unexpected(outcome->error());
  HttpAnswer answer{.status = response.result_int(),
                    .body = nlohmann::json::parse(response.body(), nullptr, /*allow_exceptions=*/false)};
  return answer;
}

}  // namespace relaycast::cluster
