#pragma once
// Where the RTMP session sends a player that connected to the balancer app
// (cluster.balance_app): the cluster layer (src/cluster) implements it with the node
// registry and hands it to Server::set_play_redirector, so the server does not include
// the layer above it.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace relaycast {

class PlayRedirector {
public:
  virtual ~PlayRedirector() = default;
  // rtmp://host:port/<app> of the node a new player of `app` should use; the error
  // says why there is none (no healthy node, no registry here).
  virtual Result<std::string> rtmp_redirect(std::string_view app) = 0;
};

}  // namespace relaycast
