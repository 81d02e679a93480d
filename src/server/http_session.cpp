#include "server/http_session.hpp"

// g++ 12 at -O2 reports Asio's coroutine frame allocator (aligned_new, then the
// frame's operator delete) as mismatched once it inlines enough of it: a known false
// positive (see chriskohlhoff/asio#1391), not a bug here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/log.hpp"
#include "format/flv.hpp"
#include "server/admission.hpp"
#include "server/vod_routes.hpp"
#include "server/frame_pump.hpp"
#include "server/hls_routes.hpp"
#include "server/playlist_uris.hpp"
#include "server/publish_keys.hpp"
#include "stream/subscription.hpp"

namespace relaycast {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

namespace {

// A player resolves a playlist's URIs against its URL without the query, so it keeps
// the token only if every URI in the playlist carries it.
void carry_play_token(HttpResponse& response, std::string_view query) {
  if (response.status != 200 || !response.content_type.ends_with("mpegurl") || response.body.empty()) return;
  const auto& body = response.body.front();
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  response.body = {Buffer::copy_of(with_uri_param(text, "token=" + query_param(query, "token")))};
}

}  // namespace

HttpSession::HttpSession(ServerContext& server, asio::ip::tcp::socket socket,
                         std::unique_ptr<ConnectionLimiter::Ticket> ticket)
    : server_(server),
      socket_(std::move(socket)),
      ticket_(std::move(ticket)),
      id_(server.next_session_id++),
      watchdog_(socket_.get_executor(), [this](const std::string& what) { close(fmt::format("timed out {}", what)); }) {
  const auto endpoint = client_endpoint(server_, socket_);
  peer_address_ = endpoint.address();
  address_ = describe(endpoint);
  peer_ = fmt::format("http #{} {}", id_, address_);
}

void HttpSession::start() {
  auto self = shared_from_this();
  client_ = server_.sessions.add(id_, "http", describe(client_endpoint(server_, socket_)),
                                 [weak = weak_from_this(), executor = socket_.get_executor()](std::string why) {
                                   asio::post(executor, [weak, why = std::move(why)] {
                                     if (auto session = weak.lock()) session->close(why);
                                   });
                                 });
  asio::co_spawn(socket_.get_executor(), [self]() { return self->run(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self]() { return self->watchdog_.run(); }, asio::detached);
}

void HttpSession::close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::string(why);
  if (subscription_) subscription_->cancel();
  boost::system::error_code ec;
  socket_.close(ec);
}

asio::awaitable<void> HttpSession::run() {
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(server_.config.http.max_header_bytes);
      parser.body_limit(64 * 1024);
      watchdog_.arm(milliseconds(server_.config.http.header_timeout_ms), "reading the request");
      boost::system::error_code ec;
      co_await http::async_read(socket_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
      watchdog_.disarm();
      if (ec == http::error::header_limit || ec == http::error::body_limit) {
        spdlog::warn("{}: refused request: {} (http.max_header_bytes = {})", peer_, ec.message(),
                     server_.config.http.max_header_bytes);
        co_await reply(Request{}, HttpResponse::text(431, "request head too large\n"));
        break;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof) break;
      if (ec) {
        if (!closed_) spdlog::debug("{}: bad request: {}", peer_, ec.message());
        if (!closed_ && ec.category() == make_error_code(http::error::bad_target).category()) {
          co_await reply(Request{}, HttpResponse::text(400, "bad request\n"));
        }
        break;
      }
      if (!co_await handle(parser.get())) break;
    }
  } catch (const boost::system::system_error& e) {
    if (close_reason_.empty()) close_reason_ = e.code().message();
  }
  watchdog_.stop();
  close(close_reason_);
}

asio::awaitable<bool> HttpSession::handle(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  client_->bytes_in.fetch_add(target.size() + request.body().size(), std::memory_order_relaxed);
  if (server_.http_extension && server_.http_extension->answers(target.substr(0, target.find('?')))) {
    co_await serve_extension(request);
    co_return request.keep_alive();
  }
  if (request.method() == http::verb::options) {
    // CORS preflight: players on other origins may send Range and custom headers.
    HttpResponse preflight = HttpResponse::text(204, "");
    preflight.body.clear();
    preflight.headers = {{"Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"},
                         {"Access-Control-Allow-Headers", "*"},
                         {"Access-Control-Max-Age", "86400"}};
    co_await reply(request, std::move(preflight));
    co_return request.keep_alive();
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    co_await reply(request, HttpResponse::text(405, "only GET, HEAD and OPTIONS are served here\n"));
    co_return request.keep_alive();
  }
  if (auto path = parse_stream_path(target); path && path->extension == "flv") {
    co_await serve_flv(request, *path);
    co_return false;
  }
  if (auto file = parse_stream_file_path(target)) {
    co_await serve_hls(request, *file);
    co_return request.keep_alive();
  }
  if (is_vod_target(target)) {
    co_await reply(request, answer_vod(target));
    co_return request.keep_alive();
  }
  co_await reply(request, HttpResponse::text(404,
                                             "no such resource; a live stream is at /{app}/{name}.flv, "
                                             "/{app}/{name}/index.m3u8, /{app}/{name}/ll.m3u8 and "
                                             "/{app}/{name}/master.m3u8\n"));
  co_return request.keep_alive();
}

// The control plane's paths (/api/v1/..., /metrics): answered by src/api.
asio::awaitable<void> HttpSession::serve_extension(const Request& request) {
  // Named, not temporaries in the co_await expression: g++ 12 may destroy those twice.
  const HttpPeer peer{peer_address_, peer_};
  HttpResponse response = server_.http_extension->handle(request, peer);
  co_await reply(request, std::move(response));
}

asio::awaitable<void> HttpSession::serve_hls(const Request& request, const StreamFilePath& file) {
  if (admission_configured(server_)) {
    if (auto refused = co_await admit_hls(request, file)) {
      co_await reply(request, std::move(*refused));
      co_return;
    }
  }
  // An edge pulls a stream its first HLS player asks for; every request keeps it.
  if (server_.relay.edge()) co_await server_.relay.find_or_pull(file.key(), socket_.get_executor());
  auto response = co_await hls_response(server_.hls, server_.config.hls, file, socket_.get_executor());
  if (response.status < 400) {
    const auto agent = request[http::field::user_agent];
    server_.hls_viewers.seen(file.key(), peer_address_.to_string() + " " + std::string(agent.data(), agent.size()),
                             std::chrono::steady_clock::now());
  }
  if (server_.config.play_tokens.required) carry_play_token(response, file.query);
  co_await reply(request, std::move(response));
}

// With play tokens required, a token for app/name also replays that stream's
// recordings: whoever may watch it live may watch it again.
HttpResponse HttpSession::answer_vod(std::string_view target) {
  if (!server_.config.play_tokens.required) return vod_response(server_.recorder, server_.config, target);
  const auto mark = target.find('?');
  const std::string_view query = mark == std::string_view::npos ? "" : target.substr(mark + 1);
  if (const std::string key = vod_stream_key(target); !key.empty()) {
    if (auto token = check_play_token(server_, key, query); !token) {
      spdlog::info("{}: refused replay of {}: {}", peer_, key, token.error().message);
      return HttpResponse::text(403, token.error().message + "\n");
    }
  }
  auto response = vod_response(server_.recorder, server_.config, target);
  carry_play_token(response, query);
  return response;
}

// HLS has no connection per viewer: the token is checked on every request (it is what
// the player shows for each file), on_play once per viewing session (HlsPlaySessions).
asio::awaitable<std::optional<HttpResponse>> HttpSession::admit_hls(const Request& request, const StreamFilePath& file) {
  const std::string key = file.key();
  auto refusal = [&](unsigned status, const std::string& why) {
    spdlog::info("{}: refused play of {} over HLS: {}", peer_, key, why);
    return std::optional<HttpResponse>(HttpResponse::text(status, why + "\n"));
  };
  if (auto token = check_play_token(server_, key, file.query); !token) co_return refusal(403, token.error().message);
  auto* hooks = server_.hooks;
  if (!hooks || !(hooks->wants(HookEvent::play) || hooks->wants(HookEvent::stop))) co_return std::nullopt;

  const auto agent = request[http::field::user_agent];
  const std::string viewer = peer_address_.to_string() + " " + std::string(agent.data(), agent.size());
  const auto client = hook_client(id_, "hls", address_, file.app, file.name, file.query);
  using Clock = std::chrono::steady_clock;
  // A request that arrives while another of the same viewer asks on_play waits for
  // that verdict, for about as long as the hook may take.
  const auto deadline = Clock::now() + milliseconds(server_.config.webhooks.timeout_ms + 1000);
  for (;;) {
    const auto lookup = server_.hls_plays.request(key, viewer, client, Clock::now());
    if (lookup.step == HlsPlaySessions::Step::decided) {
      if (lookup.verdict) co_return std::nullopt;
      co_return refusal(403, lookup.verdict.error().message);
    }
    if (lookup.step == HlsPlaySessions::Step::ask) {
      Admission verdict;
      if (hooks->wants(HookEvent::play)) {
        verdict = co_await hooks->decide(HookEvent::play, client, socket_.get_executor());
        if (!verdict) server_.refusals.count(verdict.error().reason);
      }
      server_.hls_plays.decide(key, viewer, verdict);
      if (verdict) co_return std::nullopt;
      co_return refusal(403, verdict.error().message);
    }
    if (Clock::now() >= deadline) co_return refusal(503, "the on_play webhook has not answered yet; retry");
    asio::steady_timer pause(socket_.get_executor(), milliseconds(20));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> HttpSession::reply(const Request& request, HttpResponse response) {
  if (response.status >= 400 && response.status != 404)
    spdlog::info("{}: {} {}: {}", peer_, response.status, std::string_view(request.target().data(), request.target().size()),
                 response.body.empty() ? "" : std::string_view(reinterpret_cast<const char*>(response.body[0].data()),
                                                               response.body[0].size()));
  size_t size = 0;
  for (const auto& b : response.body) size += b.size();
  co_await send_response(socket_, watchdog_, milliseconds(server_.config.http.send_timeout_ms), request,
                         server_.config.http.cors_origin, std::move(response));
  client_->bytes_out.fetch_add(size, std::memory_order_relaxed);
}

// HTTP-FLV: an FLV file that never ends, as one chunked response (flv.js, mpegts.js,
// ffplay, VLC). Starts at the newest keyframe with metadata and codec configuration.
asio::awaitable<void> HttpSession::serve_flv(const Request& request, const StreamPath& path) {
  const std::string key = path.key();
  // The play token and on_play first: an edge pulls nothing for a viewer that may not watch.
  std::optional<HookClient> hooked;
  if (admission_configured(server_)) {
    auto client = hook_client(id_, "flv", address_, path.app, path.name, path.query);
    const auto verdict = co_await admit_play(server_, client, socket_.get_executor());
    if (!verdict) {
      spdlog::info("{}: refused play of {} over HTTP-FLV: {}", peer_, key, verdict.error().message);
      co_await reply(request, HttpResponse::text(403, verdict.error().message + "\n"));
      co_return;
    }
    if (server_.hooks && server_.hooks->wants(HookEvent::stop)) hooked = std::move(client);
  }
  auto stream = co_await server_.relay.find_or_pull(key, socket_.get_executor());
  if (!stream) {
    server_.refusals.count(Refusal::stream_not_found);
    spdlog::info("{}: refused play of {}: not being published", peer_, key);
    co_await reply(request, HttpResponse::text(404, key + " is not being published\n"));
    co_return;
  }
  const std::string head = fmt::format(
      "HTTP/1.1 200 OK\r\nServer: relaycast\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n"
      "Cache-Control: no-cache, no-store\r\nAccess-Control-Allow-Origin: {}\r\nConnection: close\r\n\r\n",
      server_.config.http.cors_origin);
  const milliseconds send_timeout(server_.config.http.send_timeout_ms);
  if (request.method() == http::verb::head) {
    co_await asio::async_write(socket_, asio::buffer(head), asio::use_awaitable);
    co_return;
  }

  // The FLV file header, as the first HTTP chunk, in the same write as the head.
  const auto headers = stream->headers();
  const bool known = headers.video_config || headers.audio_config;
  std::vector<uint8_t> file_header;
  flv::write_file_header(!known || headers.audio_config, !known || headers.video_config, file_header);
  std::string first = head + fmt::format("{:x}\r\n", file_header.size());
  first.append(file_header.begin(), file_header.end());
  first += "\r\n";

  subscription_ = stream->subscribe(socket_.get_executor());
  const auto started = std::chrono::steady_clock::now();
  client_->set_role(ClientRole::viewer, key, "flv");
  spdlog::info("{}: playing {} over HTTP-FLV", peer_, key);
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), [self]() { return self->watch_for_close(); }, asio::detached);

  PumpStats& stats = client_->pump;
  bool first_write = true;
  ReadStatus status = ReadStatus::cancelled;
  try {
    status = co_await pump_frames(*subscription_, socket_, watchdog_,
                                  {send_timeout, server_.config.stream.viewer_send_buffer_bytes}, &Frame::flv,
                                  [&](std::vector<uint8_t>& prefix) {
                                    if (std::exchange(first_write, false)) prefix.assign(first.begin(), first.end());
                                  },
                                  stats);
    if (status == ReadStatus::ended) {
      // The last chunk ends the response: players see a clean end of file.
      co_await asio::async_write(socket_, asio::buffer("0\r\n\r\n", 5), asio::use_awaitable);
      close_reason_ = "the publisher stopped";
    } else if (status == ReadStatus::too_slow) {
      close_reason_ = fmt::format("too slow: fell behind the stream more than {} times in a minute",
                                  stream->limits().max_skips_per_minute);
    }
  } catch (const boost::system::system_error& e) {
    if (close_reason_.empty()) close_reason_ = e.code().message();
  }
  if (close_reason_.empty()) close_reason_ = "the client closed the connection";
  spdlog::info("{}: stopped playing {}: {} ({} frames dropped, {:.1f} MB sent)", peer_, key, close_reason_,
               subscription_->frames_dropped(), double(stats.bytes_sent.load()) / 1e6);
  if (hooked)
    server_.hooks->notify(HookEvent::stop, std::move(*hooked),
                          {close_reason_, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()},
                          socket_.get_executor());
}

// A player that goes away while the stream is quiet is noticed here rather than at
// the next write; anything it sends after its request is ignored.
asio::awaitable<void> HttpSession::watch_for_close() {
  std::array<uint8_t, 512> sink;
  boost::system::error_code ec;
  while (!closed_ && !ec) co_await socket_.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  if (!closed_) close("the client closed the connection");
}

}  // namespace relaycast
