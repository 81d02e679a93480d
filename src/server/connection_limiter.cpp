#include "server/connection_limiter.hpp"

namespace relaycast {

Result<std::unique_ptr<ConnectionLimiter::Ticket>> ConnectionLimiter::admit(const std::string& ip) {
  {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) {
      ++refused_total_;
      return fail(Errc::too_large, "{} connections open, the limit (server.max_connections)", total_);
    }
    auto& n = per_ip_[ip];
    if (n >= max_per_ip_) {
      ++refused_per_ip_;
      return fail(Errc::too_large, "{} connections open from this address, the limit (server.max_connections_per_ip)", n);
    }
    ++n;
    ++total_;
  }
  return std::make_unique<Ticket>(shared_from_this(), ip);
}

void ConnectionLimiter::release(const std::string& ip) {
  std::lock_guard lock(mutex_);
  --total_;
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
}

uint32_t ConnectionLimiter::open() const {
  std::lock_guard lock(mutex_);
  return total_;
}

uint64_t ConnectionLimiter::refused() const {
  std::lock_guard lock(mutex_);
  return refused_total_ + refused_per_ip_;
}

uint64_t ConnectionLimiter::refused_by_total() const {
  std::lock_guard lock(mutex_);
  return refused_total_;
}

uint64_t ConnectionLimiter::refused_by_per_ip() const {
  std::lock_guard lock(mutex_);
  return refused_per_ip_;
}

void ConnectionLimiter::set_limits(uint32_t max_total, uint32_t max_per_ip) {
  std::lock_guard lock(mutex_);
  max_total_ = max_total;
  max_per_ip_ = max_per_ip;
}

}  // namespace relaycast
