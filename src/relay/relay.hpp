#pragma once
// Everything a node relays (DESIGN.md, Cluster): on an edge, the streams it pulls from
// its origins on demand and the publishes it forwards to them; on any node, the
// [[relay.push]] restreams of what is published here. Sessions call it at three
// points: a viewer wants a stream (find_or_pull), a client wants to publish
// (may_publish), a publish started (on_publish). Thread-safe.
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/config.hpp"
#include "relay/client_tls.hpp"
#include "relay/edge_pull.hpp"
#include "relay/push_status.hpp"
#include "relay/push_task.hpp"
#include "stream/stream_registry.hpp"

namespace relaycast::relay {

// What is wrong with the [cluster] and [relay] sections (unparsable URLs, an edge
// without origins, an unreadable tls_ca_file), as a start-up error.
Result<void> check_config(const Config& config);

class Relay {
public:
  // `config` must have passed check_config().
  Relay(const Config& config, StreamRegistry& streams);
  ~Relay();

  // What a pulled stream gets when it goes live, like any publish (the HLS packager).
  void set_stream_hook(StreamHook hook) { pull_options_hook_ = std::move(hook); }
  // Before the first pull: the query an edge adds to its play requests (a play token).
  void set_pull_query(std::function<std::string(const std::string& key)> query) {
    pull_options_.play_query = std::move(query);
  }

  bool edge() const { return edge_; }

  // Where the registry says a stream is (rtmp://host:port), asked when a pull starts
  // so that the edge tries that origin first; set before the server starts. Must not
  // block (the cluster layer answers from what its heartbeats learnt).
  using OriginLocator = std::function<std::optional<std::string>(const std::string& key)>;
  void set_origin_locator(OriginLocator locator) { locator_ = std::move(locator); }

  // The live stream `key` ("app/name"). On an edge, one that is not here is pulled
  // from the origins, and this waits (cluster.play_wait_ms at most) for it to go live;
  // null if it does not. Also counts as viewer activity for the pull's idle timeout
  // (HLS requests have no other way to show they watch).
  boost::asio::awaitable<std::shared_ptr<Stream>> find_or_pull(const std::string& key,
                                                               boost::asio::any_io_executor executor);

  // Whether a client may publish `key` here: an edge with cluster.forward_publish off
  // says no, with the reason to give the client.
  Result<void> may_publish(const std::string& key) const;
  // A publish of `stream` started on `executor` (its publisher's): starts the pushes
  // configured for it and, on an edge, the forward to the origins. `query` is the
  // publisher's ("key=..."), passed on to the origins.
  void on_publish(const std::shared_ptr<Stream>& stream, std::string_view query, boost::asio::any_io_executor executor);

  // Every push running now (restreams and forwards), for the API and CLI.
  std::vector<PushStatus> pushes() const;

  // Push rules: [[relay.push]] and those added through the API. Adding one starts it
  // at once for the live streams it matches (on `executor`); removing one stops its
  // pushes. Rules added at run time last until the process ends.
  struct PushRuleView {
    uint64_t id = 0;
    std::string app, stream;  // stream: a name or "*"
    std::string url;          // redacted (RtmpUrl::redacted)
    std::string source;       // "config" or "api"
    std::optional<ClientTlsSettings> tls;  // rtmps:// targets: how the server's certificate is checked
  };
  std::vector<PushRuleView> push_rules() const;
  // The error says what is wrong with the rule (Errc::config). target.stream: a name,
  // or "*"/empty for every stream of the app.
  Result<PushRuleView> add_push_rule(const PushTarget& target, boost::asio::any_io_executor executor);
  // Errc::not_found when there is no such rule; the number of pushes stopped.
  Result<size_t> remove_push_rule(uint64_t id);
  // Streams being pulled now (pending or live).
  std::vector<std::string> pulls() const;

private:
  void forget_pull(const EdgePull* pull);
  struct PushRule {
    uint64_t id = 0;
    std::string app, stream;
    RtmpUrl url;
    std::string source;
    std::optional<ClientTlsSettings> tls;  // set for rtmps:// URLs
    std::shared_ptr<boost::asio::ssl::context> tls_context;
    bool matches(const std::string& key) const;
    RtmpUrl target_for(const std::string& key) const;
  };
  // A rule as written (config or API): its URL parsed, its TLS context made.
  Result<PushRule> make_push_rule(const PushTarget& target, std::string source);
  // One context per TLS setting, shared by every push and pull that uses it.
  Result<std::shared_ptr<boost::asio::ssl::context>> tls_context(const ClientTlsSettings& settings);
  void start_push(const std::shared_ptr<Stream>& stream, std::vector<RtmpUrl> targets, bool forward,
                  boost::asio::any_io_executor executor, const std::shared_ptr<boost::asio::ssl::context>& tls,
                  uint64_t rule = 0);
  static PushRuleView view(const PushRule& rule);

  const bool edge_;
  const bool forward_publish_;
  const std::chrono::milliseconds play_wait_;
  StreamRegistry& streams_;
  PullOptions pull_options_;
  PushOptions push_options_;
  StreamHook pull_options_hook_;
  OriginLocator locator_;
  std::vector<PushRule> push_rules_;
  const ClientTlsSettings tls_defaults_;  // [relay] tls_verify, tls_ca_file
  std::mutex tls_mutex_;
  std::map<ClientTlsSettings, std::shared_ptr<boost::asio::ssl::context>> tls_contexts_;  // under tls_mutex_

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<EdgePull>> pulls_;
  std::vector<std::shared_ptr<PushTask>> pushes_;
  std::atomic<uint64_t> next_push_id_{1};
  uint64_t next_rule_id_ = 1;  // under mutex_
};

}  // namespace relaycast::relay
