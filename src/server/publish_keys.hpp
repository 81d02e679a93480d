#pragma once
// Stream keys: who may publish what. A publish URL carries its key as a query
// parameter (rtmp://host/app/name?key=K, or OBS's stream key field "name?key=K").
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"

namespace relaycast {

// The value of `name` in a URL query ("a=1&key=x" -> "x"), empty when absent.
std::string query_param(std::string_view query, std::string_view name);

// Thread-safe: the API replaces the keys while sessions check them.
class PublishKeys {
public:
  explicit PublishKeys(std::vector<StreamKey> keys) : keys_(std::move(keys)) {}

  // With no keys configured everyone may publish. Otherwise `stream_key` ("app/name")
  // needs an entry for it (exact, or "app/*") whose key equals the query's `key`.
  Result<void> check(std::string_view stream_key, std::string_view query) const;
  bool open() const;
  // All keys at once (the config's and the API's); publishes already running stay.
  void replace(std::vector<StreamKey> keys);

private:
  mutable std::mutex mutex_;
  std::vector<StreamKey> keys_;
};

}  // namespace relaycast
