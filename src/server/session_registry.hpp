#pragma once
// Every open RTMP and HTTP connection of the node, for GET /clients, kicking one, the
// viewers per stream and protocol, and the node's bytes in and out. A session adds
// itself when it starts and its entry removes itself when the session ends; what it
// did (role, stream) changes a few times per connection, under the registry's lock.
// Traffic is counted by the session itself into its entry's atomics (no lock), and
// summed only when someone asks.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/frame_pump.hpp"

namespace relaycast {

enum class ClientRole { connected, publisher, viewer };
std::string_view to_string(ClientRole role);

struct ClientInfo {
  uint64_t id = 0;
  std::string protocol;  // of the connection: "rtmp", "http"
  std::string address;   // "127.0.0.1:51234"
  ClientRole role = ClientRole::connected;
  std::string stream;    // "app/name" for a publisher or viewer
  std::string output;    // what a viewer gets: "rtmp", "flv"
  std::chrono::system_clock::time_point connected_at;
  uint64_t bytes_in = 0, bytes_out = 0;
};

class SessionRegistry {
public:
  // Asked to close the session, with why (for its log line). Called on any thread;
  // the session posts the close to its own executor.
  using Kick = std::function<void(std::string why)>;

  class Entry {
  public:
    Entry(SessionRegistry& registry, uint64_t id) : registry_(registry), id_(id) {}
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    void set_role(ClientRole role, std::string stream, std::string output = {});

    // Written by the session only. `pump` is what its viewer write loop counts.
    std::atomic<uint64_t> bytes_in{0};
    std::atomic<uint64_t> bytes_out{0};
    PumpStats pump;

  private:
    SessionRegistry& registry_;
    const uint64_t id_;
  };

  std::shared_ptr<Entry> add(uint64_t id, std::string protocol, std::string address, Kick kick);

  std::vector<ClientInfo> list() const;
  std::optional<ClientInfo> find(uint64_t id) const;
  // The session publishing `stream`, if any.
  std::optional<ClientInfo> publisher_of(const std::string& stream) const;
  // Asks the session to close; false when no session has that id.
  bool kick(uint64_t id, std::string why);

  // Since the server started, open and closed connections together.
  struct Totals {
    uint64_t bytes_in = 0, bytes_out = 0;
  };
  Totals totals() const;

private:
  struct Record {
    ClientInfo info;
    Entry* entry;
    Kick kick;
  };
  ClientInfo snapshot_locked(const Record& record) const;
  void remove(uint64_t id);

  mutable std::mutex mutex_;
  std::map<uint64_t, Record> sessions_;
  Totals closed_;  // what sessions that ended moved
};

}  // namespace relaycast
