#include "server/srt_play_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "server/admission.hpp"
#include "server/srt_listener.hpp"

namespace relaycast {
namespace asio = boost::asio;

namespace {

// SRT live mode sends messages of at most SRTO_PAYLOADSIZE (1316) bytes: 7 TS packets.
constexpr size_t kSendMessageSize = 7 * mpegts::kPacketSize;
// PAT and PMT go before every keyframe, and at least this often for audio-only streams,
// so that a player can start anywhere.
constexpr int64_t kTablesInterval = ms_to_ticks(500);

}  // namespace

SrtPlaySession::SrtPlaySession(ServerContext& server, SrtListener& listener, SRTSOCKET socket,
                               asio::any_io_executor executor, std::string address, SrtStreamId id)
    : server_(server),
      listener_(listener),
      socket_(socket),
      executor_(std::move(executor)),
      id_(server.next_session_id++),
      address_(std::move(address)),
      peer_(fmt::format("srt #{} {}", id_, address_)),
      stream_id_(std::move(id)) {}

void SrtPlaySession::start() {
  auto self = shared_from_this();
  asio::co_spawn(
      executor_,
      [self]() -> asio::awaitable<void> {
        self->client_ =
            self->server_.sessions.add(self->id_, "srt", self->address_, [weak = self->weak_from_this(),
                                                                          executor = self->executor_](std::string why) {
              asio::post(executor, [weak, why = std::move(why)] {
                if (auto s = weak.lock()) s->finish(why, true);
              });
            });
        // The play token and on_play, like an RTMP play, before an edge pulls anything.
        if (admission_configured(self->server_)) {
          const auto& id = self->stream_id_;
          const auto client = hook_client(self->id_, "srt", self->address_, id.app, id.name, id.query);
          const auto verdict = co_await admit_play(self->server_, client, self->executor_);
          if (!verdict) {
            spdlog::info("{}: refused play of {}: {}", self->peer_, id.key(), verdict.error().message);
            self->finish("play refused: " + verdict.error().message, true);
            co_return;
          }
        }
        // On an edge this may wait for the stream to be pulled from an origin.
        auto stream = co_await self->server_.relay.find_or_pull(self->stream_id_.key(), self->executor_);
        self->begin(stream);
      },
      asio::detached);
}

void SrtPlaySession::begin(const std::shared_ptr<Stream>& stream) {
  if (closed_) return;
  const std::string key = stream_id_.key();
  if (!stream) {
    server_.refusals.count(Refusal::stream_not_found);
    spdlog::info("{}: refused play of {}: {} is not being published", peer_, key, key);
    return finish("play refused: not published", true);
  }
  // The PMT lists the tracks the stream has; before its configs are known, both.
  const auto headers = stream->headers();
  const bool known = headers.video_config || headers.audio_config;
  const Codec video_codec = headers.video_config ? headers.video_config->packet.codec : Codec::h264;
  // Video TS cannot carry (AV1, VP9) leaves the program audio only; the muxer then drops it.
  muxer_ = std::make_unique<mpegts::TsMuxer>(mpegts::TsMuxerConfig{
      .has_video = !known || (headers.video_config != nullptr && mpegts::carries_video(video_codec)),
      .has_audio = !known || headers.audio_config != nullptr,
      .video_codec = mpegts::carries_video(video_codec) ? video_codec : Codec::h264});
  subscription_ = stream->subscribe(executor_);
  subscription_->set_wake_callback([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->pump();
  });
  client_->set_role(ClientRole::viewer, key, "srt");
  spdlog::info("{}: playing {}", peer_, key);
  pump();
}

void SrtPlaySession::pump() {
  while (!closed_ && !blocked_) {
    if (!send()) return;
    const auto status = subscription_->try_read(frames_);
    switch (status) {
      case ReadStatus::nothing:
      case ReadStatus::cancelled:
        return;
      case ReadStatus::ended:
        return finish("the publisher stopped", true);
      case ReadStatus::too_slow:
        return finish(fmt::format("too slow: fell behind the stream more than {} times in a minute",
                                  subscription_->stream()->limits().max_skips_per_minute),
                      true);
      case ReadStatus::frames:
        for (const auto& frame : frames_) mux(frame->packet);
        frames_.clear();
        break;
    }
  }
}

void SrtPlaySession::mux(const MediaPacket& packet) {
  const auto config = muxer_->config();
  if (packet.kind == TrackKind::video && packet.config && config.has_video && mpegts::carries_video(packet.codec) &&
      packet.codec != config.video_codec) {
    // The video codec was not known when this viewer came (nothing published yet), and
    // the PMT's stream_type must say it: start the transport stream again with it.
    muxer_ = std::make_unique<mpegts::TsMuxer>(
        mpegts::TsMuxerConfig{.has_video = true, .has_audio = config.has_audio, .video_codec = packet.codec});
    tables_at_.reset();
  }
  const bool video_key = packet.kind == TrackKind::video && packet.keyframe && !packet.config;
  if (!packet.config && (!tables_at_ || video_key || packet.dts - *tables_at_ >= kTablesInterval)) {
    muxer_->write_tables(out_);
    tables_at_ = packet.dts;
  }
  auto written = muxer_->write_packet(packet, out_);
  if (written || written.error().is(Errc::ignored)) return;
  // A codec TS does not carry here, or a frame before its config: this viewer goes on
  // without it; said once, as the next frame would say the same.
  if (unsupported_logged_++ == 0)
    spdlog::warn("{}: {}: dropping what MPEG-TS cannot carry: {}", peer_, stream_id_.key(), written.error().message());
}

bool SrtPlaySession::send() {
  // The muxer writes whole TS packets, so every message is whole packets too.
  while (sent_ < out_.size()) {
    const size_t n = std::min(kSendMessageSize, out_.size() - sent_);
    const int result = srt_sendmsg2(socket_, reinterpret_cast<const char*>(out_.data() + sent_), int(n), nullptr);
    if (result == SRT_ERROR) {
      if (srt_getlasterror(nullptr) == SRT_EASYNCSND) {
        blocked_ = true;
        listener_.want_writable(socket_);
        return false;
      }
      finish(fmt::format("send failed: {}", srt_getlasterror_str()), true);
      return false;
    }
    sent_ += n;
    client_->bytes_out.fetch_add(n, std::memory_order_relaxed);
    client_->pump.bytes_sent.fetch_add(n, std::memory_order_relaxed);
    client_->pump.writes.fetch_add(1, std::memory_order_relaxed);
  }
  out_.erase(out_.begin(), out_.begin() + ptrdiff_t(sent_));
  sent_ = 0;
  return true;
}

void SrtPlaySession::on_writable() {
  asio::post(executor_, [self = shared_from_this()] {
    self->blocked_ = false;
    self->pump();
  });
}

void SrtPlaySession::on_closed(std::string why) {
  asio::post(executor_, [self = shared_from_this(), why = std::move(why)] { self->finish(why, false); });
}

void SrtPlaySession::finish(const std::string& why, bool release) {
  if (closed_) return;
  closed_ = true;
  if (release) listener_.release(socket_);
  if (subscription_) {
    subscription_->cancel();
    spdlog::info("{}: stopped playing {}: {} ({} frames dropped)", peer_, stream_id_.key(), why,
                 subscription_->frames_dropped());
    subscription_.reset();
  } else {
    spdlog::debug("{}: closed: {}", peer_, why);
  }
  client_.reset();
}

}  // namespace relaycast
