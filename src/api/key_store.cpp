#include "api/key_store.hpp"

#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include "core/atomic_file.hpp"
#include "server/stream_path.hpp"

namespace relaycast::api {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path state_dir(const Config& config) { return state_directory(config); }

fs::path keys_file(const Config& config) {
  if (!config.api.keys_file.empty()) return config.api.keys_file;
  return state_dir(config) / "keys.json";
}

bool valid_key_stream(std::string_view stream) {
  const auto slash = stream.find('/');
  if (slash == std::string_view::npos) return false;
  const auto app = stream.substr(0, slash), name = stream.substr(slash + 1);
  return valid_stream_segment(app) && (name == "*" || valid_stream_segment(name));
}

bool valid_key_secret(std::string_view key) {
  if (key.size() < 8 || key.size() > 256) return false;
  for (const char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_' && c != '~') return false;
  return true;
}

std::string generate_key() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  std::string out;
  for (const auto b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

KeyStore::KeyStore(fs::path file, std::vector<StreamKey> config_keys, PublishKeys& target)
    : file_(std::move(file)), config_keys_(std::move(config_keys)), target_(target) {}

Result<void> KeyStore::load() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (!fs::exists(file_, ec)) {
    apply_locked();
    return {};
  }
  std::ifstream in(file_);
  if (!in) return fail(Errc::config, "stream keys file {}: cannot be read", file_.string());
  std::vector<RuntimeKey> keys;
  try {
    const json doc = json::parse(in);
    for (const auto& k : doc.at("keys")) {
      RuntimeKey key{{k.at("stream").get<std::string>(), k.at("key").get<std::string>()},
                     k.value("created_at", std::string())};
      if (!valid_key_stream(key.key.stream) || key.key.key.empty())
        return fail(Errc::config, "stream keys file {}: entry for \"{}\" is not a valid stream key", file_.string(),
                    key.key.stream);
      keys.push_back(std::move(key));
    }
  } catch (const json::exception& e) {
    return fail(Errc::config, "stream keys file {}: {} (fix it, or move it away to start without the API's keys)",
                file_.string(), e.what());
  }
  runtime_ = std::move(keys);
  apply_locked();
  return {};
}

std::vector<ListedKey> KeyStore::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ListedKey> out;
  for (const auto& k : config_keys_) out.push_back({k.stream, k.key, "config", ""});
  for (const auto& k : runtime_) out.push_back({k.key.stream, k.key.key, "api", k.created_at});
  return out;
}

Result<ListedKey> KeyStore::add(std::string stream, std::string key) {
  std::lock_guard lock(mutex_);
  for (const auto& k : runtime_)
    if (k.key.stream == stream && k.key.key == key)
      return fail(Errc::refused, "{} already has this key", stream);
  for (const auto& k : config_keys_)
    if (k.stream == stream && k.key == key)
      return fail(Errc::refused, "{} already has this key (from the config file)", stream);
  const auto now = std::chrono::system_clock::now();
  runtime_.push_back({{stream, key}, fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(now))});
  if (auto saved = save_locked(); !saved) {
    runtime_.pop_back();
    return std::unexpected(saved.error());
  }
  apply_locked();
  return ListedKey{std::move(stream), std::move(key), "api", runtime_.back().created_at};
}

Result<size_t> KeyStore::remove(const std::string& stream, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto matches = [&](const StreamKey& k) { return k.stream == stream && (key.empty() || k.key == key); };
  const auto before = runtime_;
  const size_t removed = std::erase_if(runtime_, [&](const RuntimeKey& k) { return matches(k.key); });
  if (removed == 0) {
    for (const auto& k : config_keys_)
      if (matches(k))
        return fail(Errc::refused, "the key of {} comes from the config file: remove it there, then reload", stream);
    return fail(Errc::not_found, "no key added through the API for {}{}", stream, key.empty() ? "" : " with that value");
  }
  if (auto saved = save_locked(); !saved) {
    runtime_ = before;
    return std::unexpected(saved.error());
  }
  apply_locked();
  return removed;
}

void KeyStore::set_config_keys(std::vector<StreamKey> keys) {
  std::lock_guard lock(mutex_);
  config_keys_ = std::move(keys);
  apply_locked();
}

void KeyStore::apply_locked() {
  std::vector<StreamKey> all = config_keys_;
  for (const auto& k : runtime_) all.push_back(k.key);
  target_.replace(std::move(all));
}

Result<void> KeyStore::save_locked() const {
  json doc = {{"keys", json::array()}};
  for (const auto& k : runtime_)
    doc["keys"].push_back({{"stream", k.key.stream}, {"key", k.key.key}, {"created_at", k.created_at}});
  if (auto ec = replace_file(file_, doc.dump(2) + '\n', fs::perms::owner_read | fs::perms::owner_write))
    return fail(Errc::config, "cannot write the stream keys file {}: {} (set server.state_dir or api.keys_file)",
                file_.string(), ec.message());
  return {};
}

}  // namespace relaycast::api
