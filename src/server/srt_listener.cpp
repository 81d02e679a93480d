#include "server/srt_listener.hpp"

#include <arpa/inet.h>
#include <srt/access_control.h>

#include <array>

#include "core/log.hpp"
#include "server/srt_play_session.hpp"
#include "server/srt_publish_session.hpp"
#include "server/srt_stream_id.hpp"

namespace relaycast {
namespace {

constexpr int kMaxEvents = 64;
constexpr int64_t kWaitMs = 100;  // how soon the loop sees stop()
// One SRT live-mode message: 7 TS packets (SRTO_PAYLOADSIZE's default).
constexpr size_t kReceiveMessageSize = 1500;

std::string srt_error() { return srt_getlasterror_str(); }

// A wrong or missing passphrase is found by libsrt after our listen callback said yes,
// on the same libsrt thread, in the same handshake; libsrt only logs it. So the
// callback leaves here who it let through with a passphrase, and the log handler turns
// libsrt's line about the key exchange into our refusal line about that caller.
struct PassphraseHandshake {
  RefusalCounters* refusals = nullptr;
  std::string who, what;  // "srt 127.0.0.1:5000", "publish of live/cam"
  std::string app;
};
thread_local PassphraseHandshake t_handshake;

// libsrt's own log lines go to our log: errors as warnings, the rest at debug.
void forward_log(void*, int level, const char*, int, const char* area, const char* message) {
  std::string_view text(message ? message : "");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (t_handshake.refusals) {
    std::string_view why;
    if (text.find("KMREQ result abnornal") != std::string_view::npos ||
        text.find("Incorrect passphrase") != std::string_view::npos)
      why = "wrong passphrase";
    else if (text.find("but Peer does not") != std::string_view::npos)
      why = "no passphrase given";
    if (!why.empty()) {
      t_handshake.refusals->count(Refusal::stream_key);
      spdlog::warn("{}: refused: {}: {} (app {} has one: [[srt.passphrases]] or srt.passphrase)", t_handshake.who,
                   t_handshake.what, why, t_handshake.app);
      t_handshake = {};
      spdlog::debug("srt library: {}{}", area ? area : "", text);
      return;
    }
  }
  if (level <= 3 /* LOG_ERR */) spdlog::warn("srt library: {}{}", area ? area : "", text);
  else spdlog::debug("srt library: {}{}", area ? area : "", text);
}

}  // namespace

std::string describe(const sockaddr* address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (!address) return "?";
  if (address->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &a->sin_addr, text.data(), text.size());
    return fmt::format("{}:{}", text.data(), ntohs(a->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &a->sin6_addr, text.data(), text.size());
    return fmt::format("[{}]:{}", text.data(), ntohs(a->sin6_port));
  }
  return "?";
}

std::string srt_passphrase_for(const SrtConfig& config, std::string_view app) {
  for (const auto& p : config.passphrases)
    if (p.app == app) return p.passphrase;
  return config.passphrase;
}

SrtListener::SrtListener(ServerContext& server, WorkerPool& workers) : server_(server), workers_(workers) {
  srt_startup();
  srt_setloghandler(nullptr, forward_log);
  srt_setloglevel(3 /* LOG_ERR */);
}

SrtListener::~SrtListener() {
  stop();
  srt_cleanup();
}

Result<void> SrtListener::open(const std::string& address, uint16_t port) {
  const auto& c = server_.config.srt;
  sockaddr_storage storage{};
  int length = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage); inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
             inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  } else {
    return fail(Errc::config, "SRT: cannot listen on \"{}\": not an IP address (server.bind)", address);
  }
  socket_ = srt_create_socket();
  if (socket_ == SRT_INVALID_SOCK) return fail(Errc::config, "SRT: cannot create a socket: {}", srt_error());
  const int no = 0;
  const int latency = int(c.latency_ms);
  const int transtype = SRTT_LIVE;
  // Non-blocking: the epoll loop must never wait on one socket. Accepted sockets
  // inherit these.
  if (srt_setsockflag(socket_, SRTO_TRANSTYPE, &transtype, sizeof transtype) != 0 ||
      srt_setsockflag(socket_, SRTO_RCVSYN, &no, sizeof no) != 0 ||
      srt_setsockflag(socket_, SRTO_SNDSYN, &no, sizeof no) != 0 ||
      srt_setsockflag(socket_, SRTO_LATENCY, &latency, sizeof latency) != 0)
    return fail(Errc::config, "SRT: cannot set socket options: {}", srt_error());
  if (srt_bind(socket_, reinterpret_cast<const sockaddr*>(&storage), length) != 0)
    return fail(Errc::config, "SRT: cannot listen on {} udp/{}: {} (srt.port; another SRT server running?)", address,
                port, srt_error());
  if (srt_listen_callback(socket_, &SrtListener::on_listen, this) != 0 || srt_listen(socket_, 128) != 0)
    return fail(Errc::config, "SRT: cannot listen on {} udp/{}: {}", address, port, srt_error());
  epoll_ = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (epoll_ < 0 || srt_epoll_add_usock(epoll_, socket_, &events) != 0)
    return fail(Errc::config, "SRT: cannot create the epoll: {}", srt_error());
  srt_epoll_set(epoll_, SRT_EPOLL_ENABLE_EMPTY);
  return {};
}

void SrtListener::start() { thread_ = std::thread([this] { run(); }); }

void SrtListener::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  std::map<SRTSOCKET, std::shared_ptr<SrtConnection>> connections;
  {
    std::lock_guard lock(mutex_);
    connections.swap(connections_);
    count_ = 0;
  }
  for (auto& [socket, connection] : connections) {
    srt_close(socket);
    connection->on_closed("the server is shutting down");
  }
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  if (socket_ != SRT_INVALID_SOCK) srt_close(socket_);
  epoll_ = -1;
  socket_ = SRT_INVALID_SOCK;
}

int SrtListener::on_listen(void* self, SRTSOCKET socket, int, const sockaddr* peer, const char* stream_id) {
  return static_cast<SrtListener*>(self)->admit(socket, peer, stream_id);
}

// Runs on a libsrt thread during the handshake: only thread-safe state is touched.
int SrtListener::admit(SRTSOCKET socket, const sockaddr* peer, const char* stream_id) {
  const std::string who = fmt::format("srt {}", describe(peer));
  const std::string text = stream_id ? stream_id : "";
  auto refuse = [&](Refusal reason, int code, const std::string& why) {
    server_.refusals.count(reason);
    spdlog::warn("{}: refused: {}", who, why);
    srt_setrejectreason(socket, code);
    return -1;
  };
  t_handshake = {};
  auto id = parse_srt_stream_id(text);
  if (!id) return refuse(Refusal::bad_stream_name, SRT_REJX_BAD_REQUEST, id.error().message());
  if (count_.load() >= server_.config.srt.max_connections)
    return refuse(Refusal::max_connections, SRT_REJX_OVERLOAD,
                  fmt::format("{} SRT connections are open (srt.max_connections)", count_.load()));
  if (id->mode == SrtStreamId::Mode::publish) {
    if (auto allowed = server_.publish_keys.check(id->key(), id->query); !allowed)
      return refuse(Refusal::stream_key, SRT_REJX_UNAUTHORIZED,
                    fmt::format("publish of {}: {}", id->key(), allowed.error().message()));
  }
  if (const auto passphrase = srt_passphrase_for(server_.config.srt, id->app); !passphrase.empty()) {
    if (srt_setsockflag(socket, SRTO_PASSPHRASE, passphrase.data(), int(passphrase.size())) != 0)
      return refuse(Refusal::stream_key, SRT_REJX_ISE, fmt::format("cannot set the passphrase: {}", srt_error()));
    const char* mode = id->mode == SrtStreamId::Mode::publish ? "publish" : "play";
    spdlog::debug("{}: {} of {} needs the passphrase of app {}", who, mode, id->key(), id->app);
    t_handshake = {&server_.refusals, who, fmt::format("{} of {}", mode, id->key()), id->app};
  }
  return 0;
}

void SrtListener::run() {
  std::array<SRT_EPOLL_EVENT, kMaxEvents> events;
  while (!stopping_.load()) {
    const int n = srt_epoll_uwait(epoll_, events.data(), kMaxEvents, kWaitMs);
    for (int i = 0; i < n; ++i) {
      const SRTSOCKET socket = events[size_t(i)].fd;
      const int flags = events[size_t(i)].events;
      if (socket == socket_) {
        accept_all();
        continue;
      }
      auto connection = find(socket);
      if (!connection) {
        srt_epoll_remove_usock(epoll_, socket);
        continue;
      }
      if (flags & SRT_EPOLL_IN) read_all(socket, connection);
      if (flags & SRT_EPOLL_OUT) {
        const int wanted = SRT_EPOLL_IN | SRT_EPOLL_ERR;
        srt_epoll_update_usock(epoll_, socket, &wanted);
        connection->on_writable();
      }
      const SRT_SOCKSTATUS state = srt_getsockstate(socket);
      if ((flags & SRT_EPOLL_ERR) || state == SRTS_BROKEN || state == SRTS_CLOSED || state == SRTS_NONEXIST) {
        if (auto gone = forget(socket)) {
          srt_close(socket);
          // libsrt reports a peer's orderly close as "broken" too.
          gone->on_closed("the client closed the connection or stopped answering");
        }
      }
    }
  }
}

// One connection per event: the SRT epoll is level-triggered, so the next one gives
// another event, and a second srt_accept with none pending logs an error in libsrt.
void SrtListener::accept_all() {
  {
    sockaddr_storage peer{};
    int length = sizeof peer;
    const SRTSOCKET socket = srt_accept(socket_, reinterpret_cast<sockaddr*>(&peer), &length);
    if (socket == SRT_INVALID_SOCK) return;
    std::array<char, 513> text{};
    int text_length = int(text.size() - 1);
    srt_getsockflag(socket, SRTO_STREAMID, text.data(), &text_length);
    auto id = parse_srt_stream_id(std::string_view(text.data(), size_t(std::max(text_length, 0))));
    if (!id) {  // admitted by the callback with this very id; cannot happen
      srt_close(socket);
      return;
    }
    auto executor = workers_.next().get_executor();
    const std::string address = describe(reinterpret_cast<const sockaddr*>(&peer));
    std::shared_ptr<SrtConnection> connection;
    if (id->mode == SrtStreamId::Mode::publish)
      connection = std::make_shared<SrtPublishSession>(server_, *this, socket, executor, address, *id);
    else
      connection = std::make_shared<SrtPlaySession>(server_, *this, socket, executor, address, *id);
    {
      std::lock_guard lock(mutex_);
      connections_[socket] = connection;
      count_ = connections_.size();
    }
    const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(epoll_, socket, &events);
    connection->start();
  }
}

void SrtListener::read_all(SRTSOCKET socket, const std::shared_ptr<SrtConnection>& connection) {
  std::vector<uint8_t> bytes;
  std::array<char, kReceiveMessageSize> message;
  for (;;) {
    const int n = srt_recvmsg(socket, message.data(), int(message.size()));
    if (n <= 0) break;  // SRT_EASYNCRCV: drained; errors show as the socket's state
    bytes.insert(bytes.end(), message.begin(), message.begin() + n);
  }
  if (!bytes.empty()) connection->on_received(std::move(bytes));
}

void SrtListener::want_writable(SRTSOCKET socket) {
  const int events = SRT_EPOLL_IN | SRT_EPOLL_OUT | SRT_EPOLL_ERR;
  srt_epoll_update_usock(epoll_, socket, &events);
}

void SrtListener::release(SRTSOCKET socket) {
  if (forget(socket)) srt_close(socket);
}

std::shared_ptr<SrtConnection> SrtListener::find(SRTSOCKET socket) {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(socket);
  return it == connections_.end() ? nullptr : it->second;
}

std::shared_ptr<SrtConnection> SrtListener::forget(SRTSOCKET socket) {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(socket);
  if (it == connections_.end()) return nullptr;
  auto connection = std::move(it->second);
  connections_.erase(it);
  count_ = connections_.size();
  return connection;
}

}  // namespace relaycast
