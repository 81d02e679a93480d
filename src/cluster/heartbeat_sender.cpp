#include "cluster/heartbeat_sender.hpp"

#include <fstream>
#include <sstream>

#include "cluster/http_post.hpp"
#include "cluster/join_token.hpp"
#include "core/atomic_file.hpp"
#include "core/log.hpp"

namespace relaycast::cluster {
using nlohmann::json;
namespace fs = std::filesystem;

std::string HeartbeatSender::bearer_for(const std::string& node_id) {
  if (!credential_read_ && !options_.credential_file.empty()) {
    credential_read_ = true;
    std::ifstream in(options_.credential_file);
    std::stringstream text;
    text << in.rdbuf();
    const auto kept = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (kept.is_object() && kept.value("node_id", "") == node_id && kept.value("credential", "") != "") {
      credential_ = kept["credential"].get<std::string>();
      credential_node_ = node_id;
      spdlog::info("cluster: heartbeats carry the node credential kept in {}", options_.credential_file.string());
    } else if (kept.is_object()) {
      spdlog::warn("cluster: {} holds a node credential for node {}, not for this node ({}); not used",
                   options_.credential_file.string(), kept.value("node_id", "?"), node_id);
    }
  }
  if (!credential_.empty() && credential_node_ == node_id) return credential_;
  if (!options_.join_token.empty()) return options_.join_token;
  return options_.token;
}

void HeartbeatSender::keep_credential(const std::string& node_id, const std::string& credential,
                                      const std::string& url) {
  if (credential == credential_ && node_id == credential_node_) return;
  credential_ = credential;
  credential_node_ = node_id;
  if (options_.credential_file.empty()) return;
  const auto document = json{{"node_id", node_id}, {"credential", credential}, {"registry", url}}.dump(2) + "\n";
  if (auto ec = replace_file(options_.credential_file, document, fs::perms::owner_read | fs::perms::owner_write)) {
    spdlog::warn("cluster: joined through {} as node {}, but cannot keep its node credential in {}: {}; after a "
                 "restart this node needs a join token that has not expired (set server.state_dir)",
                 url, node_id, options_.credential_file.string(), ec.message());
    return;
  }
  spdlog::info("cluster: joined through {} as node {}; its node credential is kept in {} (the join token is not "
               "needed any more)", url, node_id, options_.credential_file.string());
}

HeartbeatSender::HeartbeatSender(HeartbeatOptions options, std::function<NodeReport()> report, NodeRegistry* local)
    : options_(std::move(options)), report_(std::move(report)), local_(local) {}

HeartbeatSender::~HeartbeatSender() { stop(); }

void HeartbeatSender::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void HeartbeatSender::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

std::map<std::string, std::string> HeartbeatSender::stream_origins() const {
  std::lock_guard lock(mutex_);
  return stream_origins_;
}

bool HeartbeatSender::drained() const {
  std::lock_guard lock(mutex_);
  for (const auto& [registry, drained] : drained_by_)
    if (drained) return true;
  return false;
}

void HeartbeatSender::run(std::stop_token stop) {
  std::mutex wait_mutex;
  while (!stop.stop_requested()) {
    const auto started = std::chrono::steady_clock::now();
    send_once();
    std::unique_lock lock(wait_mutex);
    wake_.wait_until(lock, stop, started + options_.period, [] { return false; });
  }
}

void HeartbeatSender::send_once() {
  const NodeReport report = report_();
  std::map<std::string, std::string> origins;
  if (local_) {
    local_->heartbeat(report);
    origins = local_->stream_origins();
    const auto self = local_->node(report.id);
    std::lock_guard lock(mutex_);
    drained_by_["local"] = self && self->drained;
  }
  const json body = report_json(report);
  for (const auto& url : options_.urls) {
    // A heartbeat that takes longer than the period is late anyway.
    auto answer = post_json(url, "/api/v1/nodes/heartbeat", bearer_for(report.id), body, options_.period);
    std::string why;
    if (!answer) {
      why = answer.error().message();
    } else if (answer->status != 200) {
      const auto& b = answer->body;
      why = fmt::format("answered {}: {}", answer->status,
                        b.is_object() && b.contains("detail") && b["detail"].is_string() ? b["detail"].get<std::string>()
                                                                                       : "no detail");
    } else if (const auto& b = answer->body; b.is_object()) {
      if (b.contains("node_credential") && b["node_credential"].is_string())
        keep_credential(report.id, b["node_credential"].get<std::string>(), url);
      if (b.contains("streams") && b["streams"].is_object())
        for (const auto& [stream, origin] : b["streams"].items())
          if (origin.is_string()) origins.emplace(stream, origin.get<std::string>());
      std::lock_guard lock(mutex_);
      drained_by_[url] = b.contains("drained") && b["drained"].is_boolean() && b["drained"].get<bool>();
    }
    std::lock_guard lock(mutex_);
    auto it = failing_.find(url);
    if (!why.empty() && it == failing_.end()) {
      spdlog::warn("heartbeat to {} failed: {}; this node gets no viewers from that registry until it answers", url,
                   why);
      failing_.emplace(url, why);
    } else if (why.empty() && it != failing_.end()) {
      spdlog::info("heartbeat to {} works again", url);
      failing_.erase(it);
    }
  }
  std::lock_guard lock(mutex_);
  stream_origins_ = std::move(origins);
}

}  // namespace relaycast::cluster
