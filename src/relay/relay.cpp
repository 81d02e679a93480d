#include "relay/relay.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "core/log.hpp"

namespace relaycast::relay {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

ClientTlsSettings relay_tls(const RelayConfig& relay) { return {.verify = relay.tls_verify, .ca_file = relay.tls_ca_file}; }

// What a push's TLS is checked with: its own settings, else [relay]'s.
ClientTlsSettings push_tls(ClientTlsSettings relay, const PushTarget& target) {
  if (target.tls_verify) relay.verify = *target.tls_verify;
  if (!target.tls_ca_file.empty()) relay.ca_file = target.tls_ca_file;
  return relay;
}

}  // namespace

Result<void> check_config(const Config& config) {
  const auto& c = config.cluster;
  // With a registry to ask (Redis, or the origins it heartbeats to), an edge learns
  // where each stream is; without one it needs the list.
  if (c.role == "edge" && c.origins.empty() && !c.registry.starts_with("redis://") && c.heartbeat_urls.empty())
    return fail(Errc::config, "cluster.role = \"edge\" needs at least one origin (cluster.origins or --origin), "
                              "or a registry that knows them (cluster.registry = \"redis://...\" or cluster.heartbeat_urls)");
  for (const auto& origin : c.origins) {
    auto url = parse_rtmp_url(origin);
    if (!url) return std::unexpected(std::move(url.error()).context("cluster.origins"));
    if (url->tls)
      if (auto tls = make_client_tls_context(relay_tls(config.relay)); !tls)
        return std::unexpected(std::move(tls.error()).context(fmt::format("cluster.origins {}", origin)));
  }
  if (c.backoff_min_ms > c.backoff_max_ms)
    return fail(Errc::config, "cluster.backoff_min_ms ({}) is over cluster.backoff_max_ms ({})", c.backoff_min_ms,
                c.backoff_max_ms);
  for (const auto& push : config.relay.push) {
    auto url = parse_rtmp_url(push.url);
    if (!url) return std::unexpected(std::move(url.error()).context("relay.push"));
    if (url->app.empty()) return fail(Errc::config, "relay.push: \"{}\" has no app (rtmp://host/app/name)", push.url);
    if (url->tls)
      if (auto tls = make_client_tls_context(push_tls(relay_tls(config.relay), push)); !tls)
        return std::unexpected(std::move(tls.error()).context(fmt::format("relay.push {}", url->redacted())));
  }
  return {};
}

Relay::Relay(const Config& config, StreamRegistry& streams)
    : edge_(config.cluster.role == "edge"),
      forward_publish_(config.cluster.forward_publish),
      play_wait_(config.cluster.play_wait_ms),
      streams_(streams),
      tls_defaults_(relay_tls(config.relay)) {
  const auto& c = config.cluster;
  const RtmpClientOptions client{.chunk_size = config.rtmp.chunk_size,
                                 .connect_timeout = milliseconds(c.connect_timeout_ms),
                                 .limits = {.max_message_size = config.rtmp.max_message_size,
                                            .max_chunk_size = config.rtmp.max_chunk_size}};
  for (const auto& origin : c.origins)
    if (auto url = parse_rtmp_url(origin)) pull_options_.origins.push_back(*url);
  pull_options_.client = client;
  // An edge's origins (and the registry's answers) may be rtmps://; its forwards too.
  if (edge_) {
    if (auto tls = tls_context(tls_defaults_)) pull_options_.client.tls = *tls;
    else spdlog::error("rtmps:// origins: {}", tls.error().message());
  }
  pull_options_.stall_timeout = milliseconds(c.stall_timeout_ms);
  pull_options_.idle_timeout = milliseconds(c.idle_timeout_ms);
  pull_options_.backoff_min_ms = c.backoff_min_ms;
  pull_options_.backoff_max_ms = c.backoff_max_ms;
  pull_options_.max_attempts = c.max_attempts;
  pull_options_.write_batch = milliseconds(config.stream.write_batch_ms);
  pull_options_.internal_viewers = config.hls.enabled ? 1 : 0;
  push_options_ = {.client = client,
                   .send_timeout = milliseconds(config.rtmp.send_timeout_ms),
                   .backoff_min_ms = c.backoff_min_ms,
                   .backoff_max_ms = c.backoff_max_ms};
  for (const auto& push : config.relay.push) {
    auto rule = make_push_rule(push, "config");
    if (!rule) {
      spdlog::error("relay.push {}: {}", push.app, rule.error().message());
      continue;
    }
    rule->id = next_rule_id_++;
    push_rules_.push_back(std::move(*rule));
  }
}

Result<std::shared_ptr<asio::ssl::context>> Relay::tls_context(const ClientTlsSettings& settings) {
  std::lock_guard lock(tls_mutex_);
  if (auto it = tls_contexts_.find(settings); it != tls_contexts_.end()) return it->second;
  auto made = make_client_tls_context(settings);
  if (made) tls_contexts_.emplace(settings, *made);
  return made;
}

Result<Relay::PushRule> Relay::make_push_rule(const PushTarget& target, std::string source) {
  auto url = parse_rtmp_url(target.url);
  if (!url) return std::unexpected(std::move(url.error()));
  if (url->app.empty()) return fail(Errc::config, "\"{}\" has no app (rtmp[s]://host[:port]/app[/name])", target.url);
  if (target.app.empty()) return fail(Errc::config, "a push needs the app whose streams it pushes");
  if (!url->tls && (target.tls_verify || !target.tls_ca_file.empty()))
    return fail(Errc::config, "{}: tls_verify and tls_ca_file apply to rtmps:// URLs only", url->redacted());
  PushRule rule{.app = target.app,
                .stream = target.stream.empty() ? "*" : target.stream,
                .url = *url,
                .source = std::move(source)};
  if (url->tls) {
    rule.tls = push_tls(tls_defaults_, target);
    auto context = tls_context(*rule.tls);
    if (!context) return std::unexpected(std::move(context.error()).context(url->redacted()));
    rule.tls_context = *context;
  }
  return rule;
}

bool Relay::PushRule::matches(const std::string& key) const {
  const size_t slash = key.find('/');
  const std::string_view app_of(key.data(), std::min(slash, key.size()));
  const std::string_view name = slash == std::string::npos ? "" : std::string_view(key).substr(slash + 1);
  return app_of == app && (stream == "*" || stream == name);
}

// A target without a stream name gets the local one.
RtmpUrl Relay::PushRule::target_for(const std::string& key) const {
  const size_t slash = key.find('/');
  const std::string name = slash == std::string::npos ? "" : key.substr(slash + 1);
  return url.stream.empty() ? url.with_stream(url.app, name) : url;
}

Relay::PushRuleView Relay::view(const PushRule& rule) {
  return {rule.id, rule.app, rule.stream, rule.url.redacted(), rule.source, rule.tls};
}

std::vector<Relay::PushRuleView> Relay::push_rules() const {
  std::lock_guard lock(mutex_);
  std::vector<PushRuleView> out;
  for (const auto& r : push_rules_) out.push_back(view(r));
  return out;
}

Result<Relay::PushRuleView> Relay::add_push_rule(const PushTarget& target, asio::any_io_executor executor) {
  auto made = make_push_rule(target, "api");
  if (!made) return std::unexpected(std::move(made.error()));
  PushRule rule;
  {
    std::lock_guard lock(mutex_);
    made->id = next_rule_id_++;
    rule = *made;
    push_rules_.push_back(std::move(*made));
  }
  // Published here, not pulled: an edge restreams nothing it only relays.
  for (const auto& live : streams_.list())
    if (live->publisher().protocol != "relay" && !live->ended() && rule.matches(live->key()))
      start_push(live, {rule.target_for(live->key())}, false, executor, rule.tls_context, rule.id);
  return view(rule);
}

Result<size_t> Relay::remove_push_rule(uint64_t id) {
  std::vector<std::shared_ptr<PushTask>> to_stop;
  {
    std::lock_guard lock(mutex_);
    const auto before = push_rules_.size();
    std::erase_if(push_rules_, [id](const PushRule& r) { return r.id == id; });
    if (push_rules_.size() == before)
      return fail(Errc::not_found, "no push rule {}: GET /api/v1/pushes lists them", id);
    for (const auto& p : pushes_)
      if (!p->done() && p->status().rule == id) to_stop.push_back(p);
  }
  for (const auto& p : to_stop) p->stop();
  return to_stop.size();
}

Relay::~Relay() = default;

asio::awaitable<std::shared_ptr<Stream>> Relay::find_or_pull(const std::string& key, asio::any_io_executor executor) {
  auto stream = streams_.find(key);
  if (!edge_) co_return stream;
  std::shared_ptr<EdgePull> pull;
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    auto it = pulls_.find(key);
    if (it != pulls_.end() && !it->second->finished()) {
      pull = it->second;
    } else if (!stream) {
      std::optional<RtmpUrl> located;
      if (locator_) {
        if (auto where = locator_(key)) {
          if (auto url = parse_rtmp_url(*where)) located = url->with_stream("", "");
          else spdlog::warn("pull {}: the registry's origin {} is not usable: {}", key, *where, url.error().message());
        }
      }
      if (located) spdlog::info("pull {}: the registry says {} holds it", key, located->node());
      pull = std::make_shared<EdgePull>(key, pull_options_, streams_, pull_options_hook_,
                                        [this](const EdgePull* p) { forget_pull(p); }, located);
      pulls_[key] = pull;
      start = true;
    }
  }
  if (pull) pull->touch();
  if (stream) co_return stream;  // published here, or already pulled
  if (start) {
    spdlog::info("pull {}: a viewer asked for it; pulling from the origins", key);
    asio::co_spawn(executor, pull->run(executor), asio::detached);
  }
  co_return co_await pull->wait_live(executor, std::chrono::steady_clock::now() + play_wait_);
}

void Relay::forget_pull(const EdgePull* pull) {
  std::lock_guard lock(mutex_);
  auto it = pulls_.find(pull->key());
  if (it != pulls_.end() && it->second.get() == pull) pulls_.erase(it);
}

std::vector<std::string> Relay::pulls() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, pull] : pulls_) out.push_back(key);
  return out;
}

Result<void> Relay::may_publish(const std::string& key) const {
  if (edge_ && !forward_publish_)
    return fail(Errc::refused, "this node is an edge and does not take publishes (cluster.forward_publish = false): "
                               "publish {} to an origin", key);
  return {};
}

void Relay::on_publish(const std::shared_ptr<Stream>& stream, std::string_view query, asio::any_io_executor executor) {
  const std::string& key = stream->key();
  const size_t slash = key.find('/');
  const std::string app = key.substr(0, slash);
  const std::string name = slash == std::string::npos ? "" : key.substr(slash + 1);
  std::vector<PushRule> rules;
  {
    std::lock_guard lock(mutex_);
    for (const auto& rule : push_rules_)
      if (rule.matches(key)) rules.push_back(rule);
  }
  for (const auto& rule : rules)
    start_push(stream, {rule.target_for(key)}, false, executor, rule.tls_context, rule.id);
  if (edge_ && forward_publish_) {
    std::vector<RtmpUrl> targets;
    const std::string remote = query.empty() ? name : fmt::format("{}?{}", name, query);
    for (const auto& origin : pull_options_.origins) targets.push_back(origin.with_stream(app, remote));
    start_push(stream, std::move(targets), true, executor, pull_options_.client.tls);
  }
}

void Relay::start_push(const std::shared_ptr<Stream>& stream, std::vector<RtmpUrl> targets, bool forward,
                       asio::any_io_executor executor, const std::shared_ptr<asio::ssl::context>& tls,
                       uint64_t rule) {
  PushOptions options = push_options_;
  options.client.tls = tls;
  auto task = std::make_shared<PushTask>(next_push_id_++, stream, std::move(targets), forward, options, rule);
  {
    std::lock_guard lock(mutex_);
    std::erase_if(pushes_, [](const auto& p) { return p->done(); });
    pushes_.push_back(task);
  }
  asio::co_spawn(executor, [task, executor]() { return task->run(executor); }, asio::detached);
}

std::vector<PushStatus> Relay::pushes() const {
  std::lock_guard lock(mutex_);
  std::vector<PushStatus> out;
  for (const auto& p : pushes_)
    if (!p->done()) out.push_back(p->status());
  return out;
}

}  // namespace relaycast::relay
