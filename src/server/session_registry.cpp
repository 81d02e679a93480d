#include "server/session_registry.hpp"

namespace relaycast {

constexpr auto relaxed = std::memory_order_relaxed;

std::string_view to_string(ClientRole role) {
  switch (role) {
    case ClientRole::connected: return "connected";
    case ClientRole::publisher: return "publisher";
    case ClientRole::viewer: return "viewer";
  }
  return "unknown";
}

SessionRegistry::Entry::~Entry() { registry_.remove(id_); }

void SessionRegistry::Entry::set_role(ClientRole role, std::string stream, std::string output) {
  std::lock_guard lock(registry_.mutex_);
  auto it = registry_.sessions_.find(id_);
  if (it == registry_.sessions_.end()) return;
  it->second.info.role = role;
  it->second.info.stream = std::move(stream);
  it->second.info.output = std::move(output);
}

std::shared_ptr<SessionRegistry::Entry> SessionRegistry::add(uint64_t id, std::string protocol, std::string address,
                                                             Kick kick) {
  auto entry = std::make_shared<Entry>(*this, id);
  ClientInfo info{.id = id,
                  .protocol = std::move(protocol),
                  .address = std::move(address),
                  .connected_at = std::chrono::system_clock::now()};
  std::lock_guard lock(mutex_);
  sessions_[id] = Record{std::move(info), entry.get(), std::move(kick)};
  return entry;
}

void SessionRegistry::remove(uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  const auto info = snapshot_locked(it->second);
  closed_.bytes_in += info.bytes_in;
  closed_.bytes_out += info.bytes_out;
  sessions_.erase(it);
}

ClientInfo SessionRegistry::snapshot_locked(const Record& record) const {
  ClientInfo info = record.info;
  const Entry& e = *record.entry;
  info.bytes_in = e.bytes_in.load(relaxed);
  info.bytes_out = e.bytes_out.load(relaxed) + e.pump.bytes_sent.load(relaxed);
  return info;
}

std::vector<ClientInfo> SessionRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ClientInfo> out;
  out.reserve(sessions_.size());
  for (const auto& [id, record] : sessions_) out.push_back(snapshot_locked(record));
  return out;
}

std::optional<ClientInfo> SessionRegistry::find(uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return snapshot_locked(it->second);
}

std::optional<ClientInfo> SessionRegistry::publisher_of(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, record] : sessions_)
    if (record.info.role == ClientRole::publisher && record.info.stream == stream) return snapshot_locked(record);
  return std::nullopt;
}

bool SessionRegistry::kick(uint64_t id, std::string why) {
  Kick kick;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    kick = it->second.kick;
  }
  // Outside the lock: the session may end (and remove itself) at once.
  if (kick) kick(std::move(why));
  return true;
}

SessionRegistry::Totals SessionRegistry::totals() const {
  std::lock_guard lock(mutex_);
  Totals t = closed_;
  for (const auto& [id, record] : sessions_) {
    const auto info = snapshot_locked(record);
    t.bytes_in += info.bytes_in;
    t.bytes_out += info.bytes_out;
  }
  return t;
}

}  // namespace relaycast
