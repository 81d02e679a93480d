#include "cluster/cluster_node.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/ranges.h>

#include "cluster/embedded_registry.hpp"
#include "cluster/join_token.hpp"
#include "cluster/play_path.hpp"
#include "cluster/redis_registry.hpp"
#include "core/log.hpp"

namespace relaycast::cluster {
using std::chrono::milliseconds;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || !name[0]) return "localhost";
  return name;
}

// Where others reach this node when nothing says: the bind address, or the host's
// name when it listens on every address.
std::string public_host(const Config& c) {
  const auto& bind = c.server.bind;
  if (bind == "0.0.0.0" || bind == "::" || bind.empty()) return host_name();
  return bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
}

}  // namespace

ClusterNode::ClusterNode(ServerContext& server, std::string version, std::function<LoadFigures()> load)
    : server_(server), config_(server.config.cluster), version_(std::move(version)), load_(std::move(load)) {
  const Config& c = server.config;
  id_ = config_.node_id.empty() ? fmt::format("{}:{}", host_name(), c.http.port) : config_.node_id;
  rtmp_url_ = config_.public_rtmp_url.empty() ? fmt::format("rtmp://{}:{}", public_host(c), c.rtmp.port)
                                              : config_.public_rtmp_url;
  http_url_ = config_.public_http_url.empty() ? fmt::format("http://{}:{}", public_host(c), c.http.port)
                                              : config_.public_http_url;
  while (http_url_.ends_with('/')) http_url_.pop_back();
  while (rtmp_url_.ends_with('/')) rtmp_url_.pop_back();
}

ClusterNode::~ClusterNode() { stop(); }

Result<std::unique_ptr<ClusterNode>> ClusterNode::create(ServerContext& server, std::string version,
                                                         std::function<LoadFigures()> load) {
  std::unique_ptr<ClusterNode> node(new ClusterNode(server, std::move(version), std::move(load)));
  const auto& c = server.config.cluster;
  if (!node->rtmp_url_.starts_with("rtmp://"))
    return fail(Errc::config, "cluster.public_rtmp_url: \"{}\" is not rtmp://host:port", node->rtmp_url_);
  if (!node->http_url_.starts_with("http://") && !node->http_url_.starts_with("https://"))
    return fail(Errc::config, "cluster.public_http_url: \"{}\" is not http://host:port", node->http_url_);
  if (!c.join_token.empty()) {
    if (auto claims = read_join_token(c.join_token); !claims)
      return fail(Errc::config, "cluster.join_token: {}", claims.error().message);
    if (c.heartbeat_urls.empty())
      return fail(Errc::config, "cluster.join_token is set but cluster.heartbeat_urls is empty: the token is for the "
                                "registry this node heartbeats to (`relaycast join` writes both)");
  }
  for (const auto& url : c.heartbeat_urls)
    if (!url.starts_with("http://"))
      return fail(Errc::config, "cluster.heartbeat_urls: \"{}\" is not http://host:port (the registry's API)", url);
  const milliseconds down_after(c.down_after_ms);
  if (c.registry.starts_with("redis://")) {
    auto address = parse_redis_url(c.registry);
    if (!address) return std::unexpected(std::move(address.error()).context("cluster.registry"));
    node->registry_ = std::make_unique<RedisRegistry>(std::move(*address), down_after);
  } else if (c.registry == "embedded" || (c.registry.empty() && c.role == "origin")) {
    node->registry_ = std::make_unique<EmbeddedRegistry>(down_after);
  } else if (!c.registry.empty() && c.registry != "none") {
    return fail(Errc::config, "cluster.registry: \"{}\" is not \"embedded\", \"none\" or redis://host:port", c.registry);
  }
  const auto& autoscale = server.config.autoscale;
  if (autoscale.enabled && !node->registry_)
    return fail(Errc::config, "autoscale.enabled needs a registry on this node (an origin, or cluster.registry); "
                "this one has none");
  if (node->registry_)
    node->autoscaler_ = std::make_unique<Autoscaler>(
        autoscale, *node->registry_,
        ScalingOrigin{.id = node->id_, .rtmp_url = node->rtmp_url_, .http_url = node->http_url_, .capacity = c.capacity});
  const std::string token = c.registry_token.empty() ? server.config.api.token : c.registry_token;
  node->heartbeats_ = std::make_unique<HeartbeatSender>(
      HeartbeatOptions{.urls = c.heartbeat_urls,
                       .token = token,
                       .join_token = c.join_token,
                       .credential_file = state_directory(server.config) / "node_credential.json",
                       .period = milliseconds(c.heartbeat_ms)},
      [n = node.get()] { return n->report(); }, node->registry_.get());
  return node;
}

void ClusterNode::start() {
  const auto& c = config_;
  spdlog::info("cluster: node {} ({}), {} and {}, capacity {} viewers; registry: {}{}", id_, c.role, rtmp_url_,
               http_url_, c.capacity, registry_ ? registry_->describe() : "none here",
               c.heartbeat_urls.empty() ? "" : fmt::format("; heartbeats to {}", fmt::join(c.heartbeat_urls, ", ")));
  heartbeats_->start();
  if (autoscaler_) autoscaler_->start();
}

void ClusterNode::stop() {
  if (autoscaler_) autoscaler_->stop();
  if (heartbeats_) heartbeats_->stop();
}

NodeReport ClusterNode::report() const {
  const auto load = load_ ? load_() : LoadFigures{};
  NodeReport r{.id = id_,
               .role = config_.role,
               .draining = false,
               .rtmp_url = rtmp_url_,
               .http_url = http_url_,
               .viewers = load.viewers,
               .egress_bps = load.egress_bps,
               .cpu_percent = load.cpu_percent,
               .capacity = config_.capacity,
               .version = version_};
  // What edges may pull from here: what is published here, not what is pulled.
  for (const auto& stream : server_.streams.list())
    if (stream->publisher().protocol != "relay") r.streams.push_back(stream->key());
  std::sort(r.streams.begin(), r.streams.end());
  return r;
}

bool ClusterNode::drained() const { return heartbeats_ && heartbeats_->drained(); }

Result<std::string> ClusterNode::rtmp_redirect(std::string_view app) {
  if (!registry_) return fail(Errc::refused, "this node has no registry to choose a node from (cluster.registry)");
  auto chosen = registry_->pick_for_viewer();
  if (!chosen) return fail(Errc::refused, "no node can take a viewer now (all down, draining or without capacity)");
  return fmt::format("{}/{}", chosen->report.rtmp_url, app);
}

HttpResponse ClusterNode::play_redirect(std::string_view target) {
  auto path = play_target(target);
  if (!path)
    return HttpResponse::text(404,
                              "the balancer answers /play/{app}/{name}.m3u8, /play/{app}/{name}/ll.m3u8, "
                              "/play/{app}/{name}/master.m3u8 and /play/{app}/{name}.flv\n");
  if (!registry_)
    return HttpResponse::text(503, "this node has no registry to choose a node from; ask an origin (cluster.registry)\n");
  auto chosen = registry_->pick_for_viewer();
  if (!chosen) return HttpResponse::text(503, "no node can take a viewer now (all down, draining or without capacity)\n");
  const std::string location = chosen->report.http_url + *path;
  HttpResponse r = HttpResponse::text(302, "see " + location + "\n");
  r.cache_control = "no-store";  // each viewer is balanced anew
  r.headers.emplace_back("Location", location);
  return r;
}

std::optional<std::string> ClusterNode::origin_of(const std::string& stream) const {
  if (registry_)
    if (auto where = registry_->origin_of(stream)) return where;
  if (heartbeats_) {
    const auto known = heartbeats_->stream_origins();
    if (auto it = known.find(stream); it != known.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace relaycast::cluster
