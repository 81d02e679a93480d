#include "server/hls_routes.hpp"

#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "server/publish_keys.hpp"

namespace relaycast {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::optional<uint64_t> number(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Waits until `check` says something other than pending, or the deadline passes
// (then pending is returned). Registers before checking, so a change between the
// check and the wait is not missed.
template <class Check>
asio::awaitable<hls::Availability> wait_until_available(hls::Channel& channel, asio::any_io_executor executor,
                                                        Clock::time_point deadline, Check check) {
  // Most requests are for what exists: answer those without setting up a wait.
  if (const auto first = check(); first != hls::Availability::pending) co_return first;
  auto waiter = std::make_shared<StreamWaiter>(executor);
  for (;;) {
    channel.wait(waiter);
    const auto availability = check();
    if (availability != hls::Availability::pending || Clock::now() >= deadline) {
      channel.forget(waiter);
      co_return availability;
    }
    if (!waiter->notified) {
      waiter->timer.expires_at(deadline);
      co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    waiter->notified = false;
  }
}

HttpResponse playlist_response(const std::string& body) {
  if (body.empty()) return HttpResponse::text(404, "no segment is ready yet; retry in a second\n");
  HttpResponse r;
  r.content_type = "application/vnd.apple.mpegurl";
  r.cache_control = "no-cache";
  r.body.push_back(Buffer::copy_of(body));
  return r;
}

}  // namespace

asio::awaitable<HttpResponse> hls_response(hls::Packagers& packagers, const HlsConfig& config,
                                           const StreamFilePath& path, asio::any_io_executor executor) {
  auto channel = packagers.find(path.key());
  if (!channel) co_return HttpResponse::text(404, path.key() + " is not being published\n");
  const auto deadline = Clock::now() + std::chrono::milliseconds(config.block_timeout_ms);

  if (path.file == "index.m3u8") co_return playlist_response(channel->playlist(hls::PlaylistKind::ts));
  if (path.file == "master.m3u8") co_return playlist_response(channel->playlist(hls::PlaylistKind::multivariant));
  if (path.file == "ll.m3u8") {
    const auto msn_text = query_param(path.query, "_HLS_msn");
    const auto part_text = query_param(path.query, "_HLS_part");
    if (msn_text.empty() && !part_text.empty())
      co_return HttpResponse::text(400, "_HLS_part needs _HLS_msn (RFC 8216bis 6.2.5.2)\n");
    if (!msn_text.empty()) {
      const auto msn = number(msn_text);
      const auto part = part_text.empty() ? std::optional<uint64_t>() : number(part_text);
      if (!msn || (!part_text.empty() && !part))
        co_return HttpResponse::text(400, "_HLS_msn and _HLS_part must be whole numbers\n");
      const std::optional<uint32_t> part32 = part ? std::optional<uint32_t>(uint32_t(*part)) : std::nullopt;
      const auto a = co_await wait_until_available(*channel, executor, deadline,
                                                   [&] { return channel->playlist_ready(*msn, part32); });
      if (a == hls::Availability::too_far)
        co_return HttpResponse::text(400, fmt::format("segment {} is more than two segments ahead\n", *msn));
      if (a == hls::Availability::pending)
        co_return HttpResponse::text(503, fmt::format("segment {} did not appear within {} ms\n", *msn,
                                                      config.block_timeout_ms));
    }
    co_return playlist_response(channel->playlist(hls::PlaylistKind::ll));
  }

  hls::FileLookup found;
  const auto a = co_await wait_until_available(*channel, executor, deadline, [&] {
    found = channel->file(path.file);
    return found.availability;
  });
  switch (a) {
    case hls::Availability::ready: {
      HttpResponse r;
      r.content_type = found.content_type;
      // Names are never reused for other bytes (they carry the packager's epoch).
      r.cache_control = "public, max-age=31536000, immutable";
      r.headers.emplace_back("ETag", fmt::format("\"{}\"", path.file));
      r.body = std::move(found.bytes);
      r.ranges = true;
      co_return r;
    }
    case hls::Availability::too_far:
      co_return HttpResponse::text(400, path.file + " is more than two segments ahead\n");
    case hls::Availability::pending:
      co_return HttpResponse::text(503, path.file + " was not ready in time\n");
    case hls::Availability::gone: break;
  }
  co_return HttpResponse::text(404, path.file + " is not (or no longer) in the playlist\n");
}

}  // namespace relaycast
