#pragma once
// Stream keys added at run time through the API, kept in a JSON state file so that a
// restart keeps them. They add to the keys of the config file ([[auth.publish_keys]]);
// both together go to the server's PublishKeys after every change. The file is
// rewritten whole (temporary file, then rename) and readable by its owner only: it
// holds secrets.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "server/publish_keys.hpp"

namespace relaycast::api {

struct ListedKey {
  std::string stream;
  std::string key;
  std::string source;      // "config" or "api"
  std::string created_at;  // ISO 8601, for keys from the API
};

// Where run-time state goes: server.state_dir, or $STATE_DIRECTORY (systemd),
// $XDG_STATE_HOME/relaycast, ~/.local/state/relaycast, ./relaycast-state.
std::filesystem::path state_dir(const Config& config);
std::filesystem::path keys_file(const Config& config);

// "app/name" or "app/*", each part in the stream name alphabet.
bool valid_key_stream(std::string_view stream);
// What can travel in a URL query unescaped: letters, digits, - . _ ~; 8 to 256 of them.
bool valid_key_secret(std::string_view key);
// 32 hex digits from OpenSSL's random generator.
std::string generate_key();

class KeyStore {
public:
  KeyStore(std::filesystem::path file, std::vector<StreamKey> config_keys, PublishKeys& target);

  // Reads the state file (a missing file is no keys) and applies. The error says
  // which file and what is wrong with it.
  Result<void> load();
  std::vector<ListedKey> list() const;
  // Errc::refused when the same stream already has that key.
  Result<ListedKey> add(std::string stream, std::string key);
  // Removes the API's keys of `stream` (only `key` if given); how many went.
  // Errc::not_found when there were none; Errc::refused when only the config has it.
  Result<size_t> remove(const std::string& stream, const std::string& key);
  // After a reload: the config's keys changed.
  void set_config_keys(std::vector<StreamKey> keys);
  const std::filesystem::path& file() const { return file_; }

private:
  struct RuntimeKey {
    StreamKey key;
    std::string created_at;
  };
  Result<void> save_locked() const;
  void apply_locked();

  const std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::vector<StreamKey> config_keys_;
  std::vector<RuntimeKey> runtime_;
  PublishKeys& target_;
};

}  // namespace relaycast::api
