#include "cluster/join_bundle.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cluster/join_token.hpp"
#include "server/hmac_signature.hpp"

namespace relaycast::cluster {
using nlohmann::json;

std::string encode_join_bundle(const JoinBundle& bundle) {
  const json body = {{"token", bundle.token}, {"origins", bundle.origins}, {"heartbeat_urls", bundle.heartbeat_urls}};
  return std::string(kJoinBundlePrefix) + base64url_encode(body.dump());
}

Result<JoinBundle> decode_join_bundle(std::string_view text) {
  constexpr std::string_view shape = "rcjoin1.<base64url of {\"token\", \"origins\", \"heartbeat_urls\"}>";
  if (!text.starts_with(kJoinBundlePrefix))
    return fail(Errc::malformed, "\"{:.20}...\" is not a join bundle: it does not start with {} (expected {}, as "
                "`relaycast nodes join-command` prints it)", text, kJoinBundlePrefix, shape);
  auto decoded = base64url_decode(text.substr(kJoinBundlePrefix.size()));
  if (!decoded) return fail(Errc::malformed, "the join bundle is not base64url (cut short or mistyped?): expected {}", shape);
  const json body = json::parse(*decoded, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object())
    return fail(Errc::malformed, "the join bundle does not hold a JSON object (cut short or mistyped?)");
  JoinBundle bundle;
  if (!body.contains("token") || !body["token"].is_string() || !body["token"].get<std::string>().starts_with(kJoinTokenPrefix))
    return fail(Errc::malformed, "the join bundle has no join token (\"token\": \"rcj1...\")");
  bundle.token = body["token"].get<std::string>();
  auto urls = [&](const char* field, std::string_view scheme, std::vector<std::string>& out) -> Result<void> {
    if (!body.contains(field) || !body[field].is_array() || body[field].empty())
      return fail(Errc::malformed, "the join bundle has no \"{}\" (a list of {}host:port)", field, scheme);
    for (const auto& url : body[field]) {
      if (!url.is_string() || !url.get<std::string>().starts_with(scheme) || url.get<std::string>().size() <= scheme.size())
        return fail(Errc::malformed, "the join bundle's \"{}\" has {}, not a {}host:port URL", field, url.dump(), scheme);
      out.push_back(url.get<std::string>());
    }
    return {};
  };
  if (auto ok = urls("origins", "rtmp://", bundle.origins); !ok) return std::unexpected(ok.error());
  if (auto ok = urls("heartbeat_urls", "http://", bundle.heartbeat_urls); !ok) return std::unexpected(ok.error());
  return bundle;
}

std::string join_command(std::string_view encoded_bundle) {
  return fmt::format("relaycast join {} && systemctl restart relaycast", encoded_bundle);
}

}  // namespace relaycast::cluster
