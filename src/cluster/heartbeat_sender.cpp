#include "cluster/heartbeat_sender.hpp"

#include "cluster/http_post.hpp"
#include "core/log.hpp"

namespace relaycast::cluster {
using nlohmann::json;

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
    auto answer = post_json(url, "/api/v1/nodes/heartbeat", options_.token, body, options_.period);
    std::string why;
    if (!answer) {
      why = answer.error().message();
    } else if (answer->status != 200) {
      const auto& b = answer->body;
      why = fmt::format("answered {}: {}", answer->status,
                        b.is_object() && b.contains("detail") && b["detail"].is_string() ? b["detail"].get<std::string>()
                                                                                       : "no detail");
    } else if (const auto& b = answer->body; b.is_object()) {
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
