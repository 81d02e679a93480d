#pragma once
// Sends this node's load to the registries every cluster.heartbeat_ms, on a thread of
// its own (never on a worker): into the node's own registry if it has one, and as a
// POST /api/v1/nodes/heartbeat to each of cluster.heartbeat_urls. The answers say
// whether an operator drained this node, and which origin holds which stream (what
// an edge pulls from first). A registry that stops answering is logged once, and
// again when it answers again.
//
// As whom: the node credential a registry issued (cluster/join_token.hpp), kept in the
// state directory; until there is one, cluster.join_token; without one, the API token.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/node_registry.hpp"

namespace relaycast::cluster {

struct HeartbeatOptions {
  std::vector<std::string> urls;  // http://host:port of the registries' nodes
  std::string token;       // cluster.registry_token or api.token
  std::string join_token;  // cluster.join_token: sent until a registry answers with a node credential
  std::filesystem::path credential_file;  // where that credential is kept across restarts
  std::chrono::milliseconds period{1000};
};

class HeartbeatSender {
public:
  // `report` is called on the sender's thread; `local` may be null.
  HeartbeatSender(HeartbeatOptions options, std::function<NodeReport()> report, NodeRegistry* local);
  ~HeartbeatSender();

  void start();
  void stop();

  // What the registries said at the last answer.
  std::map<std::string, std::string> stream_origins() const;
  bool drained() const;

private:
  void run(std::stop_token stop);
  void send_once();
  // The bearer token for this node's heartbeats, reading a kept credential once.
  std::string bearer_for(const std::string& node_id);
  void keep_credential(const std::string& node_id, const std::string& credential, const std::string& url);

  const HeartbeatOptions options_;
  std::function<NodeReport()> report_;
  NodeRegistry* local_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> stream_origins_;
  std::map<std::string, bool> drained_by_;  // registry -> drained there
  std::map<std::string, std::string> failing_;  // url -> why its last heartbeat failed
  // Only touched on the sender's thread.
  bool credential_read_ = false;
  std::string credential_, credential_node_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace relaycast::cluster
