#include "server/publish_keys.hpp"

#include <openssl/crypto.h>

namespace relaycast {

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

namespace {

bool matches(std::string_view pattern, std::string_view stream_key) {
  if (pattern == stream_key || pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.ends_with("/*"))
    return stream_key.starts_with(pattern.substr(0, pattern.size() - 1));
  return false;
}

// Compares in constant time so that response timing does not reveal a key's prefix.
bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool PublishKeys::open() const {
  std::lock_guard lock(mutex_);
  return keys_.empty();
}

void PublishKeys::replace(std::vector<StreamKey> keys) {
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
}

Result<void> PublishKeys::check(std::string_view stream_key, std::string_view query) const {
  std::lock_guard lock(mutex_);
  if (keys_.empty()) return {};
  const std::string given = query_param(query, "key");
  bool any = false;
  for (const auto& k : keys_) {
    if (!matches(k.stream, stream_key)) continue;
    any = true;
    if (same_key(k.key, given)) return {};
  }
  if (!any) return fail(Errc::refused, "no stream key is configured for {}", stream_key);
  if (given.empty()) return fail(Errc::refused, "{} needs a stream key (?key=...)", stream_key);
  return fail(Errc::refused, "wrong stream key for {}", stream_key);
}

}  // namespace relaycast
