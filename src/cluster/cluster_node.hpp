#pragma once
// This node's part in the cluster (DESIGN.md, Cluster), put together from [cluster]:
// the registry it hosts (embedded in an origin by default, or shared through Redis),
// the heartbeats it sends (to its own registry and to cluster.heartbeat_urls), and the
// balancer's answers: /play/... HTTP redirects and RTMP redirects of the balancer app.
// The CLI creates it next to the Server and hands it to the server (RTMP redirects),
// the relay (where to pull a stream from) and the control plane (the nodes API).
#include <functional>
#include <memory>
#include <string>

#include "cluster/autoscaler.hpp"
#include "cluster/heartbeat_sender.hpp"
#include "cluster/node_registry.hpp"
#include "server/http_response.hpp"
#include "server/play_redirector.hpp"
#include "server/server_context.hpp"

namespace relaycast::cluster {

// What the node measures of itself (the control plane's monitor does).
struct LoadFigures {
  uint64_t viewers = 0;
  double egress_bps = 0;
  double cpu_percent = 0;
};

class ClusterNode : public PlayRedirector {
public:
  // The error says what is wrong in [cluster] (a bad registry or URL).
  static Result<std::unique_ptr<ClusterNode>> create(ServerContext& server, std::string version,
                                                     std::function<LoadFigures()> load);
  ~ClusterNode() override;

  // Starts the heartbeats; call after the listeners are open.
  void start();
  void stop();

  const std::string& id() const { return id_; }
  // The registry this node hosts; null when it has none (an edge by default).
  NodeRegistry* registry() { return registry_.get(); }
  // The autoscaling hooks ([autoscale]); null when this node hosts no registry. Present
  // (for plans and status) even when autoscale.enabled is false.
  Autoscaler* autoscaler() { return autoscaler_.get(); }
  // What this node reports about itself now.
  NodeReport report() const;
  // Whether an operator drained this node (on the registries it heartbeats to).
  bool drained() const;

  // PlayRedirector: the balancer app of RTMP.
  Result<std::string> rtmp_redirect(std::string_view app) override;
  // GET /play/...: 302 to the chosen node, 404 for a target that is not a stream's
  // playlist or FLV, 503 when no node may take a viewer.
  HttpResponse play_redirect(std::string_view target);
  // Where the registry says `stream` is: this node's own registry, else what the
  // heartbeat answers said.
  std::optional<std::string> origin_of(const std::string& stream) const;

private:
  ClusterNode(ServerContext& server, std::string version, std::function<LoadFigures()> load);

  ServerContext& server_;
  const ClusterConfig& config_;
  const std::string version_;
  std::function<LoadFigures()> load_;
  std::string id_, rtmp_url_, http_url_;
  std::unique_ptr<NodeRegistry> registry_;
  std::unique_ptr<HeartbeatSender> heartbeats_;
  std::unique_ptr<Autoscaler> autoscaler_;
};

}  // namespace relaycast::cluster
