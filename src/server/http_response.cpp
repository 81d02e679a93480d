#include "server/http_response.hpp"

#include <charconv>
#include <optional>

#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <fmt/format.h>

namespace relaycast {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

struct Range {
  size_t first, last;  // inclusive
};

// RFC 9110 14.1.2: "bytes=first-last", "bytes=first-", "bytes=-suffix"; one range only.
// nullopt: no usable Range header (serve everything); an empty range: unsatisfiable.
std::optional<std::optional<Range>> parse_range(std::string_view header, size_t size) {
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) return std::nullopt;
  header.remove_prefix(6);
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto num = [](std::string_view s) -> std::optional<size_t> {
    size_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  };
  const auto a = header.substr(0, dash), b = header.substr(dash + 1);
  if (a.empty()) {
    auto suffix = num(b);
    if (!suffix) return std::nullopt;
    if (*suffix == 0 || size == 0) return std::optional<Range>{};
    return Range{size - std::min(*suffix, size), size - 1};
  }
  auto first = num(a);
  if (!first) return std::nullopt;
  size_t last = size ? size - 1 : 0;
  if (!b.empty()) {
    auto l = num(b);
    if (!l || *l < *first) return std::nullopt;
    last = std::min(*l, last);
  }
  if (*first >= size) return std::optional<Range>{};
  return Range{*first, last};
}

std::vector<Buffer> slice(const std::vector<Buffer>& body, Range r) {
  std::vector<Buffer> out;
  size_t offset = 0;
  for (const auto& b : body) {
    const size_t begin = offset, end = offset + b.size();
    offset = end;
    if (end <= r.first || begin > r.last) continue;
    const size_t from = std::max(r.first, begin) - begin;
    const size_t to = std::min(r.last + 1, end) - begin;
    out.push_back(b.slice(from, to - from));
  }
  return out;
}

}  // namespace

HttpResponse HttpResponse::text(unsigned status, std::string_view body) {
  HttpResponse r;
  r.status = status;
  r.body.push_back(Buffer::copy_of(body));
  return r;
}

asio::awaitable<void> send_response(asio::ip::tcp::socket& socket, Watchdog& watchdog,
                                    std::chrono::milliseconds timeout, const HttpRequest& request,
                                    const std::string& cors_origin, HttpResponse response) {
  size_t size = 0;
  for (const auto& b : response.body) size += b.size();
  std::string extra;
  if (response.ranges) {
    extra += "Accept-Ranges: bytes\r\n";
    const auto range_header = request[http::field::range];
    if (response.status == 200 && !range_header.empty()) {
      if (auto range = parse_range(std::string_view(range_header.data(), range_header.size()), size)) {
        if (*range) {
          extra += fmt::format("Content-Range: bytes {}-{}/{}\r\n", (*range)->first, (*range)->last, size);
          response.body = slice(response.body, **range);
          response.status = 206;
          size = (*range)->last - (*range)->first + 1;
        } else {
          extra += fmt::format("Content-Range: bytes */{}\r\n", size);
          response.status = 416;
          response.body.clear();
          size = 0;
        }
      }
    }
  }
  for (const auto& [name, value] : response.headers) extra += fmt::format("{}: {}\r\n", name, value);
  const bool keep_alive = request.keep_alive();
  const std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: relaycast\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: {}\r\n"
      "Access-Control-Allow-Origin: {}\r\n{}Connection: {}\r\n\r\n",
      response.status, std::string_view(http::obsolete_reason(http::status(response.status))), response.content_type,
      size, response.cache_control, cors_origin, extra, keep_alive ? "keep-alive" : "close");

  std::vector<asio::const_buffer> iov;
  iov.emplace_back(head.data(), head.size());
  if (request.method() != http::verb::head)
    for (const auto& b : response.body) iov.emplace_back(b.data(), b.size());
  watchdog.arm(timeout, "sending the response");
  co_await asio::async_write(socket, iov, asio::use_awaitable);
  watchdog.disarm();
}

}  // namespace relaycast
