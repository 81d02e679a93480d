#include "cluster/redis_registry.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>

#include "core/log.hpp"

namespace relaycast::cluster {
using nlohmann::json;

namespace {

constexpr const char* kNodesKey = "relaycast:nodes";
constexpr const char* kDrainedKey = "relaycast:drained";
constexpr timeval kTimeout{0, 500 * 1000};

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// Runs a command; the reply, or why there is none (the connection is then unusable).
template <class... Args>
Result<Reply> command(redisContext* c, const char* format, Args... args) {
  Reply reply(static_cast<redisReply*>(redisCommand(c, format, args...)));
  if (!reply) return fail(Errc::closed, "{}", c->errstr[0] ? c->errstr : "no reply");
  if (reply->type == REDIS_REPLY_ERROR) return fail(Errc::refused, "Redis said: {}", reply->str);
  return reply;
}

}  // namespace

Result<RedisAddress> parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return fail(Errc::config, "\"{}\" is not a redis://host[:port][/db] URL", url);
  RedisAddress out{.text = std::string(url)};
  auto rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    if (!db.empty()) {
      auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), out.db);
      if (ec != std::errc() || end != db.data() + db.size() || out.db < 0)
        return fail(Errc::config, "\"{}\": the database after the host must be a number", url);
    }
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos)
    return fail(Errc::config, "\"{}\": passwords in the Redis URL are not supported; keep Redis on a private network", url);
  const auto colon = rest.rfind(':');
  out.host = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) {
    auto port = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || end != port.data() + port.size() || out.port < 1 || out.port > 65535)
      return fail(Errc::config, "\"{}\": the port must be a number from 1 to 65535", url);
  }
  if (out.host.empty()) return fail(Errc::config, "\"{}\": no host", url);
  return out;
}

RedisRegistry::RedisRegistry(RedisAddress address, std::chrono::milliseconds down_after)
    : address_(std::move(address)),
      table_(down_after, std::max(std::chrono::milliseconds(60000), down_after * 12)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

RedisRegistry::~RedisRegistry() {
  thread_.request_stop();
  wake_.notify_all();
}

void RedisRegistry::heartbeat(const NodeReport& report) {
  std::lock_guard lock(mutex_);
  const auto now = wall_clock_ms();
  table_.heartbeat(report, now);
  unwritten_[report.id] = {report, now};
}

std::vector<NodeView> RedisRegistry::nodes() const {
  std::lock_guard lock(mutex_);
  return table_.list(wall_clock_ms());
}

std::optional<NodeView> RedisRegistry::node(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return table_.find(id, wall_clock_ms());
}

bool RedisRegistry::set_drained(const std::string& id, bool drained) {
  std::lock_guard lock(mutex_);
  if (!table_.set_drained(id, drained)) return false;
  unwritten_drains_.emplace_back(id, drained);
  return true;
}

std::optional<NodeView> RedisRegistry::pick_for_viewer() {
  std::lock_guard lock(mutex_);
  return table_.pick_for_viewer(wall_clock_ms());
}

std::optional<std::string> RedisRegistry::origin_of(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  return table_.origin_of(stream, wall_clock_ms());
}

std::map<std::string, std::string> RedisRegistry::stream_origins() const {
  std::lock_guard lock(mutex_);
  return table_.stream_origins(wall_clock_ms());
}

std::string RedisRegistry::problem() const {
  std::lock_guard lock(mutex_);
  return problem_;
}

void RedisRegistry::set_problem(std::string problem) {
  std::string before;
  {
    std::lock_guard lock(mutex_);
    before = std::exchange(problem_, problem);
  }
  if (problem.empty() && !before.empty())
    spdlog::info("registry {}: Redis reachable again; nodes and loads are shared with the other origins", address_.text);
  else if (!problem.empty() && before.empty())
    spdlog::error("registry {}: {}; working on this origin's own view (degraded: nodes and streams of other "
                  "origins are not seen) and retrying every {} ms",
                  address_.text, problem, kSyncPeriod.count());
}

Result<redisContext*> RedisRegistry::connect() {
  redisContext* c = redisConnectWithTimeout(address_.host.c_str(), address_.port, kTimeout);
  if (!c) return fail(Errc::closed, "cannot allocate a Redis connection");
  if (c->err) {
    auto error = fail(Errc::closed, "Redis not reachable at {}:{}: {}", address_.host, address_.port, c->errstr);
    redisFree(c);
    return error;
  }
  redisSetTimeout(c, kTimeout);
  if (address_.db != 0) {
    if (auto ok = command(c, "SELECT %d", address_.db); !ok) {
      redisFree(c);
      return std::unexpected(std::move(ok.error()).context(fmt::format("selecting database {}", address_.db)));
    }
  }
  return c;
}

void RedisRegistry::run(std::stop_token stop) {
  redisContext* context = nullptr;
  std::mutex wait_mutex;
  while (!stop.stop_requested()) {
    if (!context) {
      if (auto c = connect()) {
        context = *c;
      } else {
        set_problem(c.error().message());
      }
    }
    if (context) {
      if (auto ok = sync(context); ok) {
        set_problem("");
      } else {
        set_problem(ok.error().message());
        redisFree(context);
        context = nullptr;
      }
    }
    std::unique_lock lock(wait_mutex);
    wake_.wait_for(lock, stop, kSyncPeriod, [] { return false; });
  }
  if (context) redisFree(context);
}

Result<void> RedisRegistry::sync(redisContext*& c) {
  std::map<std::string, std::pair<NodeReport, int64_t>> reports;
  std::vector<std::pair<std::string, bool>> drains;
  {
    std::lock_guard lock(mutex_);
    reports.swap(unwritten_);
    drains.swap(unwritten_drains_);
  }
  auto requeue = [&] {
    // Not lost on a failed round: written once Redis answers again (newer ones win).
    std::lock_guard lock(mutex_);
    for (auto& [id, r] : reports) unwritten_.try_emplace(id, std::move(r));
    unwritten_drains_.insert(unwritten_drains_.begin(), drains.begin(), drains.end());
  };
  for (const auto& [id, entry] : reports) {
    json j = report_json(entry.first);
    j["seen_ms"] = entry.second;
    const std::string text = j.dump();
    if (auto ok = command(c, "HSET %s %b %b", kNodesKey, id.data(), id.size(), text.data(), text.size()); !ok) {
      requeue();
      return std::unexpected(std::move(ok.error()).context("writing a heartbeat to Redis"));
    }
  }
  for (const auto& [id, drained] : drains) {
    if (auto ok = command(c, drained ? "SADD %s %b" : "SREM %s %b", kDrainedKey, id.data(), id.size()); !ok) {
      requeue();
      return std::unexpected(std::move(ok.error()).context("writing a drain to Redis"));
    }
  }
  // The drained set before the nodes: an id can only be drained once it has an entry,
  // and entries only go with their drain (forget_stale below), so a drained id that has
  // no entry in the later read is an orphan, not a node that arrived in between.
  auto drained = command(c, "SMEMBERS %s", kDrainedKey);
  if (!drained) return std::unexpected(std::move(drained.error()).context("reading the drained nodes from Redis"));
  auto all = command(c, "HGETALL %s", kNodesKey);
  if (!all) return std::unexpected(std::move(all.error()).context("reading the nodes from Redis"));

  std::vector<std::pair<NodeReport, int64_t>> table;
  std::set<std::string> entry_ids;
  const redisReply* a = all->get();
  for (size_t i = 0; a->type == REDIS_REPLY_ARRAY && i + 1 < a->elements; i += 2) {
    if (a->element[i]->type == REDIS_REPLY_STRING) entry_ids.emplace(a->element[i]->str, a->element[i]->len);
    const redisReply* value = a->element[i + 1];
    if (value->type != REDIS_REPLY_STRING) continue;
    const auto j = json::parse(std::string_view(value->str, value->len), nullptr, false);
    auto report = parse_report(j);
    if (!report || !j.contains("seen_ms") || !j["seen_ms"].is_number_integer()) {
      spdlog::warn("registry {}: ignoring a node entry that is not a relaycast heartbeat: {}", address_.text,
                   report ? "no seen_ms" : report.error().message());
      continue;
    }
    table.emplace_back(std::move(*report), j["seen_ms"].get<int64_t>());
  }
  std::set<std::string> drained_ids;
  std::vector<std::string> orphans;
  const redisReply* d = drained->get();
  for (size_t i = 0; d->type == REDIS_REPLY_ARRAY && i < d->elements; ++i) {
    if (d->element[i]->type != REDIS_REPLY_STRING) continue;
    std::string id(d->element[i]->str, d->element[i]->len);
    // Left by a forget whose SREM failed: a later node under the same id (clouds reuse
    // names) must not be born drained.
    if (!entry_ids.contains(id))
      orphans.push_back(std::move(id));
    else
      drained_ids.insert(std::move(id));
  }

  std::vector<std::string> stale;
  {
    std::lock_guard lock(mutex_);
    table_.replace(std::move(table), std::move(drained_ids));
    // A drain made locally while this round ran is not in what was just read.
    for (const auto& [id, drained_now] : unwritten_drains_) table_.set_drained(id, drained_now);
    stale = table_.forget_stale(wall_clock_ms());
  }
  for (const auto& id : stale) {
    // Best effort: the next round tries again.
    (void)command(c, "HDEL %s %b", kNodesKey, id.data(), id.size());
    (void)command(c, "SREM %s %b", kDrainedKey, id.data(), id.size());
  }
  for (const auto& id : orphans) {
    spdlog::info("registry {}: {} is marked drained but has no entry; dropping the mark", address_.text, id);
    (void)command(c, "SREM %s %b", kDrainedKey, id.data(), id.size());
  }
  return {};
}

}  // namespace relaycast::cluster
