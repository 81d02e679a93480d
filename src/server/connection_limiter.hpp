#pragma once
// Caps on open connections, in total and per client address. Thread-safe.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/error.hpp"

namespace relaycast {

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
public:
  ConnectionLimiter(uint32_t max_total, uint32_t max_per_ip) : max_total_(max_total), max_per_ip_(max_per_ip) {}

  // Held for the life of a connection; releases its place when destroyed.
  class Ticket {
  public:
    Ticket(std::shared_ptr<ConnectionLimiter> owner, std::string ip) : owner_(std::move(owner)), ip_(std::move(ip)) {}
    ~Ticket() { owner_->release(ip_); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

  private:
    std::shared_ptr<ConnectionLimiter> owner_;
    std::string ip_;
  };

  // A ticket, or Errc::too_large saying which limit was hit.
  Result<std::unique_ptr<Ticket>> admit(const std::string& ip);
  uint32_t open() const;
  uint64_t refused() const;
  // By which limit: server.max_connections, server.max_connections_per_ip.
  uint64_t refused_by_total() const;
  uint64_t refused_by_per_ip() const;
  // A reload may change the limits; connections over a lowered limit stay.
  void set_limits(uint32_t max_total, uint32_t max_per_ip);

private:
  void release(const std::string& ip);

  mutable std::mutex mutex_;
  uint32_t max_total_;
  uint32_t max_per_ip_;
  uint32_t total_ = 0;
  uint64_t refused_total_ = 0, refused_per_ip_ = 0;
  std::unordered_map<std::string, uint32_t> per_ip_;
};

}  // namespace relaycast
