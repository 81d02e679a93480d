// The webhook client: which URLs it takes, and what it makes of a real HTTP server
// that answers, refuses, never answers or is not there.
#include "api/webhook_client.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

namespace relaycast::api {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

TEST(WebhookUrl, Parses) {
  auto u = parse_webhook_url("http://127.0.0.1:5000/hooks/play?x=1");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "5000");
  EXPECT_EQ(u->target, "/hooks/play?x=1");
  u = parse_webhook_url("http://hooks.example");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/");
  u = parse_webhook_url("http://[::1]:81/h");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "81");
}

TEST(WebhookUrl, RefusesWhatItCannotCall) {
  auto https = parse_webhook_url("https://hooks.example/play");
  ASSERT_FALSE(https);
  EXPECT_NE(https.error().message().find("https is not supported"), std::string::npos);
  EXPECT_FALSE(parse_webhook_url("ftp://x/"));
  EXPECT_FALSE(parse_webhook_url("http://:80/"));
  EXPECT_FALSE(parse_webhook_url("http://h:0/"));
  EXPECT_FALSE(parse_webhook_url("http://h:99999/"));
  EXPECT_FALSE(parse_webhook_url("http://h:x/"));
}

// A one-connection HTTP server on loopback: reads a request head and body, then
// answers `reply` (or nothing when empty). What it read is kept.
struct OneShotServer {
  explicit OneShotServer(std::string reply) : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread = std::thread([this, reply = std::move(reply)] {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec) return;
      asio::streambuf buf;
      const size_t head = asio::read_until(socket, buf, "\r\n\r\n", ec);
      std::string text(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      const auto length_at = text.find("Content-Length: ");
      const size_t length = length_at == std::string::npos ? 0 : std::stoul(text.substr(length_at + 16));
      if (text.size() < head + length) asio::read(socket, buf, asio::transfer_exactly(head + length - text.size()), ec);
      received = std::string(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      if (reply.empty()) {
        std::this_thread::sleep_for(1500ms);  // longer than the client waits
        return;
      }
      asio::write(socket, asio::buffer(reply), ec);
    });
  }
  ~OneShotServer() { thread.join(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/hook"; }

  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
  std::string received;
};

Result<WebhookReply> post(const std::string& url_text, std::chrono::milliseconds timeout = 1000ms) {
  asio::io_context io;
  const auto url = parse_webhook_url(url_text);
  EXPECT_TRUE(url);
  auto future = asio::co_spawn(io, post_json(io.get_executor(), *url, R"({"event":"on_play"})", timeout), asio::use_future);
  io.run();
  return future.get();
}

TEST(WebhookClient, PostsJsonAndReadsTheAnswer) {
  OneShotServer server("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\nbanned");
  const auto reply = post(server.url());
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 403u);
  EXPECT_EQ(reply->reason, "Forbidden");
  EXPECT_EQ(reply->body, "banned");
  server.thread.join();
  server.thread = std::thread([] {});
  EXPECT_TRUE(server.received.starts_with("POST /hook HTTP/1.1\r\n")) << server.received;
  EXPECT_NE(server.received.find("Content-Type: application/json"), std::string::npos);
  EXPECT_TRUE(server.received.ends_with(R"({"event":"on_play"})")) << server.received;
}

TEST(WebhookClient, TimesOut) {
  OneShotServer server("");
  const auto started = std::chrono::steady_clock::now();
  const auto reply = post(server.url(), 300ms);
  ASSERT_FALSE(reply);
  EXPECT_TRUE(reply.error().is(Errc::timeout)) << reply.error().message();
  EXPECT_NE(reply.error().message().find("within 300 ms"), std::string::npos) << reply.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);
}

TEST(WebhookClient, NobodyListening) {
  uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  const auto reply = post("http://127.0.0.1:" + std::to_string(port) + "/hook");
  ASSERT_FALSE(reply);
  EXPECT_TRUE(reply.error().is(Errc::closed)) << reply.error().message();
  EXPECT_NE(reply.error().message().find("connecting to http://127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace relaycast::api
