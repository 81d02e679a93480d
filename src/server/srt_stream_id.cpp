#include "server/srt_stream_id.hpp"

#include "server/stream_path.hpp"

namespace relaycast {
namespace {

// "app/name?query" into the id; the query keeps what a publish key check reads.
Result<void> read_resource(std::string_view resource, SrtStreamId& id) {
  const auto question = resource.find('?');
  if (question != std::string_view::npos) {
    id.query = std::string(resource.substr(question + 1));
    resource = resource.substr(0, question);
  }
  const auto slash = resource.find('/');
  if (slash == std::string_view::npos)
    return fail(Errc::malformed, "\"{}\" is not app/name", resource);
  id.app = std::string(resource.substr(0, slash));
  id.name = std::string(resource.substr(slash + 1));
  if (!valid_stream_segment(id.app) || !valid_stream_segment(id.name))
    return fail(Errc::malformed, "\"{}\" is not a valid stream name (letters, digits, _ - .)", resource);
  return {};
}

// SRT Access Control (the `#!::` list): comma-separated key=value pairs.
Result<SrtStreamId> parse_access_control(std::string_view list) {
  SrtStreamId id;
  std::string_view resource, mode = "request";
  std::string extra_query;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return fail(Errc::malformed, "\"{}\" is not key=value", item);
    const auto key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "r") resource = value;
    else if (key == "m") mode = value;
    else if (key == "key") extra_query = fmt::format("key={}", value);
    // h (host), u (user), s (session), t (type) and the rest say nothing we act on.
  }
  if (resource.empty()) return fail(Errc::malformed, "no resource (r=app/name)");
  if (auto ok = read_resource(resource, id); !ok) return std::unexpected(std::move(ok.error()));
  if (mode == "publish") id.mode = SrtStreamId::Mode::publish;
  else if (mode == "request" || mode == "play") id.mode = SrtStreamId::Mode::play;
  else return fail(Errc::malformed, "mode m={} is not offered (publish or request)", mode);
  if (!extra_query.empty()) id.query = id.query.empty() ? extra_query : id.query + "&" + extra_query;
  return id;
}

}  // namespace

Result<SrtStreamId> parse_srt_stream_id(std::string_view text) {
  auto with_context = [&](Result<SrtStreamId> r) -> Result<SrtStreamId> {
    if (!r) return std::unexpected(std::move(r.error()).context(fmt::format("stream id \"{}\"", text)));
    return r;
  };
  if (text.empty())
    return fail(Errc::malformed, "no stream id: give one such as publish:live/name or #!::r=live/name,m=publish");
  if (text.starts_with("#!::")) return with_context(parse_access_control(text.substr(4)));
  SrtStreamId id;
  std::string_view resource = text;
  if (text.starts_with("publish:")) {
    id.mode = SrtStreamId::Mode::publish;
    resource = text.substr(8);
  } else if (text.starts_with("play:") || text.starts_with("read:")) {
    resource = text.substr(5);
  }
  if (auto ok = read_resource(resource, id); !ok) return with_context(std::unexpected(std::move(ok.error())));
  return id;
}

}  // namespace relaycast
