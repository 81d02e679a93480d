#pragma once
// The registry shared by several origins through Redis (registry = "redis://..."):
// which nodes exist, their load (a hash of their last heartbeats, each stamped with
// when it was received), which are drained (a set), and so which origin holds each
// live stream (the origins' heartbeats list their streams).
//
// Redis is never asked on a caller's thread: callers read and write a local NodeTable;
// the registry's own thread writes what changed to Redis and reads the whole table
// back every sync period, with short timeouts. While Redis is down, the node works on
// what it knows locally (its own heartbeats and those sent to it), says so in the log
// once and in problem(), and reconnects each period.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/node_registry.hpp"
#include "cluster/node_table.hpp"

struct redisContext;

namespace relaycast::cluster {

struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string text;  // as configured, for logs
};
// redis://host[:port][/db]; the error says what is wrong.
Result<RedisAddress> parse_redis_url(std::string_view url);

class RedisRegistry : public NodeRegistry {
public:
  static constexpr std::chrono::milliseconds kSyncPeriod{300};

  RedisRegistry(RedisAddress address, std::chrono::milliseconds down_after);
  ~RedisRegistry() override;

  void heartbeat(const NodeReport& report) override;
  std::vector<NodeView> nodes() const override;
  std::optional<NodeView> node(const std::string& id) const override;
  bool set_drained(const std::string& id, bool drained) override;
  std::optional<NodeView> pick_for_viewer() override;
  std::optional<std::string> origin_of(const std::string& stream) const override;
  std::map<std::string, std::string> stream_origins() const override;
  std::string describe() const override { return address_.text; }
  std::string problem() const override;

private:
  void run(std::stop_token stop);
  // One round with Redis; the error says what failed.
  Result<void> sync(redisContext*& context);
  Result<redisContext*> connect();
  void set_problem(std::string problem);

  const RedisAddress address_;
  mutable std::mutex mutex_;
  mutable NodeTable table_;
  std::map<std::string, std::pair<NodeReport, int64_t>> unwritten_;  // id -> report, received at
  std::vector<std::pair<std::string, bool>> unwritten_drains_;
  std::string problem_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stopped and joined before the rest goes
};

}  // namespace relaycast::cluster
