#include "server/srt_publish_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "media/codec_summary.hpp"
#include "server/admission.hpp"
#include "server/srt_listener.hpp"

namespace relaycast {
namespace asio = boost::asio;

namespace {

// A lossy link can produce a problem per packet: one line per interval is enough to
// see it, the counters say how much.
constexpr auto kProblemLogInterval = std::chrono::seconds(5);

}  // namespace

SrtPublishSession::SrtPublishSession(ServerContext& server, SrtListener& listener, SRTSOCKET socket,
                                     asio::any_io_executor executor, std::string address, SrtStreamId id)
    : server_(server),
      listener_(listener),
      socket_(socket),
      executor_(std::move(executor)),
      id_(server.next_session_id++),
      address_(std::move(address)),
      peer_(fmt::format("srt #{} {}", id_, address_)),
      stream_id_(std::move(id)),
      timestamps_(server.config.stream.max_timestamp_backstep_ms) {}

// on_publish (webhooks) first, when configured, like an RTMP publish; what arrives
// meanwhile is dropped (the stream starts at the next keyframe anyway).
void SrtPublishSession::start() {
  asio::co_spawn(
      executor_,
      [self = shared_from_this()]() -> asio::awaitable<void> {
        if (admission_configured(self->server_)) {
          const auto& id = self->stream_id_;
          const auto client = hook_client(self->id_, "srt", self->address_, id.app, id.name, id.query);
          const auto verdict = co_await admit_publish(self->server_, client, self->executor_);
          if (!verdict) {
            spdlog::warn("{}: refused publish of {}: {}", self->peer_, id.key(), verdict.error().message);
            self->finish("publish refused: " + verdict.error().message, true);
            co_return;
          }
        }
        self->begin();
      },
      asio::detached);
}

void SrtPublishSession::on_received(std::vector<uint8_t> bytes) {
  asio::post(executor_, [self = shared_from_this(), bytes = std::move(bytes)] { self->consume(bytes); });
}

void SrtPublishSession::on_closed(std::string why) {
  asio::post(executor_, [self = shared_from_this(), why = std::move(why)] { self->finish(why, false); });
}

// The same checks and steps as an RTMP publish (RtmpSession::on_publish); the stream
// key was checked already, in the listen callback, before the handshake finished.
void SrtPublishSession::begin() {
  if (closed_) return;
  const std::string key = stream_id_.key();
  client_ = server_.sessions.add(id_, "srt", address_, [weak = weak_from_this(), executor = executor_](std::string why) {
    asio::post(executor, [weak, why = std::move(why)] {
      if (auto self = weak.lock()) self->finish(why, true);
    });
  });
  auto refuse = [&](Refusal reason, const std::string& why) {
    server_.refusals.count(reason);
    spdlog::warn("{}: refused publish of {}: {}", peer_, key, why);
    finish("publish refused: " + why, true);
  };
  if (auto allowed = server_.relay.may_publish(key); !allowed)
    return refuse(Refusal::edge_publish, allowed.error().message());
  auto stream = server_.streams.publish(key, {"srt", peer_}, server_.config.stream.takeover);
  if (!stream)
    return refuse(stream.error().is(Errc::too_large) ? Refusal::max_streams : Refusal::stream_busy,
                  stream.error().message());
  stream_ = std::move(*stream);
  if (const auto batch = server_.config.stream.write_batch_ms; batch > 0)
    stream_->enable_write_batching(executor_, std::chrono::milliseconds(batch));
  server_.attach_outputs(stream_, executor_);
  server_.relay.on_publish(stream_, stream_id_.query, executor_);
  client_->set_role(ClientRole::publisher, key);
  spdlog::info("{}: publishing {}", peer_, key);
}

void SrtPublishSession::consume(const std::vector<uint8_t>& bytes) {
  if (closed_ || !stream_) return;
  client_->bytes_in.fetch_add(bytes.size(), std::memory_order_relaxed);
  demuxer_.feed(bytes, packets_);
  push_packets();
  log_problems();
}

void SrtPublishSession::push_packets() {
  for (auto& packet : packets_) {
    if (closed_) break;
    if (auto ok = timestamps_.check(packet); !ok) {
      spdlog::warn("{}: {}: closing: bad timestamps: {}", peer_, stream_->key(), ok.error().message());
      finish("bad timestamps: " + ok.error().message(), true);
      break;
    }
    if (packet.config)
      spdlog::info("{}: {}: {} {}", peer_, stream_->key(), to_string(packet.kind), describe_config(packet));
    stream_->push(std::move(packet));
    if (stream_->ended()) {
      finish("another publisher took the stream over", true);
      break;
    }
  }
  packets_.clear();
}

void SrtPublishSession::log_problems() {
  auto problems = demuxer_.take_problems();
  if (problems.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_problem_log_ < kProblemLogInterval) {
    problems_unlogged_ += problems.size();
    return;
  }
  last_problem_log_ = now;
  const auto& s = demuxer_.stats();
  spdlog::warn("{}: {}: MPEG-TS: {}{} (so far: {} continuity gaps, {} PES dropped, {} sync losses)", peer_,
               stream_id_.key(), problems.front().message(),
               problems.size() + problems_unlogged_ > 1
                   ? fmt::format(" and {} more problems", problems.size() + problems_unlogged_ - 1)
                   : "",
               s.continuity_errors, s.pes_dropped, s.sync_losses);
  problems_unlogged_ = 0;
}

void SrtPublishSession::finish(const std::string& why, bool release) {
  if (closed_) return;
  if (stream_) {
    // What the demuxer still holds (the last video PES has no length) belongs to the
    // stream. Pushing it may end the session itself (bad timestamps); then that was it.
    demuxer_.finish(packets_);
    push_packets();
    if (closed_) return;
  }
  closed_ = true;
  if (release) listener_.release(socket_);
  if (!stream_) {
    spdlog::debug("{}: closed: {}", peer_, why);
    client_.reset();
    return;
  }
  const auto& c = stream_->counters();
  const auto& s = demuxer_.stats();
  spdlog::info(
      "{}: stopped publishing {} after {:.1f} s ({} packets, {:.1f} MB; MPEG-TS: {} continuity gaps, {} PES "
      "dropped, {} sync losses): {}",
      peer_, stream_->key(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stream_->started()).count(),
      c.packets_in.load(), double(c.bytes_in.load()) / 1e6, s.continuity_errors, s.pes_dropped, s.sync_losses, why);
  server_.streams.unpublish(stream_);
  stream_.reset();
  client_.reset();
}

}  // namespace relaycast
