#include "api/play_token_urls.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "server/play_token.hpp"
#include "server/stream_path.hpp"

namespace relaycast::api {

std::string url_host(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?"));
  if (url.starts_with('[')) return std::string(url.substr(0, url.find(']') + 1));
  return std::string(url.substr(0, url.find(':')));
}

Result<nlohmann::json> signed_play_urls(std::string_view secret, std::string_view stream, int64_t ttl_s,
                                        std::string_view http_base, std::string_view rtmp_base,
                                        std::chrono::system_clock::time_point now) {
  const auto slash = stream.find('/');
  if (slash == std::string_view::npos || !valid_stream_segment(stream.substr(0, slash)) ||
      !valid_stream_segment(stream.substr(slash + 1)))
    return fail(Errc::malformed, "\"{}\" is not a stream app/name (letters, digits, _ - .)", stream);
  if (ttl_s < 1 || ttl_s > kMaxTokenTtlSeconds)
    return fail(Errc::malformed, "a token's lifetime must be from 1 s to 366 days, not {} s", ttl_s);
  const int64_t expires = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + ttl_s;
  const std::string token = sign_play_token(secret, stream, expires);
  // Bases without a trailing slash, so the paths join cleanly.
  auto trim = [](std::string_view base) {
    while (base.ends_with('/')) base.remove_suffix(1);
    return base;
  };
  const auto urls = play_urls(trim(http_base), trim(rtmp_base), stream, token);
  return nlohmann::json{{"stream", std::string(stream)},
                        {"token", token},
                        {"expires_unix", expires},
                        {"expires_at", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time_t(expires)))},
                        {"ttl_s", ttl_s},
                        {"urls", {{"rtmp", urls.rtmp}, {"flv", urls.flv}, {"hls", urls.hls}, {"ll_hls", urls.ll_hls}}}};
}

}  // namespace relaycast::api
