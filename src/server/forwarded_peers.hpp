#pragma once
// The real clients behind connections the server makes to itself. The TLS
// terminator (RTMPS, HTTPS) decrypts and forwards each client over loopback to the
// plain RTMP or HTTP listener; it registers its loopback source port here first, so
// the listener and the sessions see the client's own address: for per-IP limits, for
// logs, and for the API's loopback-only rule (a client over HTTPS is not local just
// because its bytes arrive from 127.0.0.1).
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

namespace relaycast {

class ForwardedPeers {
public:
  using Endpoint = boost::asio::ip::tcp::endpoint;

  void add(uint16_t loopback_port, const Endpoint& client) {
    std::lock_guard lock(mutex_);
    peers_[loopback_port] = client;
  }
  void remove(uint16_t loopback_port) {
    std::lock_guard lock(mutex_);
    peers_.erase(loopback_port);
  }
  // The client behind `remote` if it is one of ours, else `remote` itself.
  Endpoint client_of(const Endpoint& remote) const {
    if (!remote.address().is_loopback()) return remote;
    std::lock_guard lock(mutex_);
    auto it = peers_.find(remote.port());
    return it == peers_.end() ? remote : it->second;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<uint16_t, Endpoint> peers_;
};

}  // namespace relaycast
