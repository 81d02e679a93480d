#include "protocol/rtmp/client_connection.hpp"

#include "core/byte_io.hpp"
#include "format/flv.hpp"
#include "protocol/rtmp/aggregate.hpp"
#include "protocol/rtmp/chunk_writer.hpp"
#include "protocol/rtmp/control_messages.hpp"

namespace relaycast::rtmp {
namespace {

constexpr double kConnectTransaction = 1;

std::unexpected<Error> refusal(StatusErrc code, std::string message) {
  return std::unexpected(Error(make_error_code(code), std::move(message)));
}

// The info object of an _error or onStatus: "code (description)".
std::string describe(const amf0::Value& info) {
  const auto* code = info.find("code");
  const auto* description = info.find("description");
  std::string out(code ? code->as_string() : "no status code");
  if (description && !description->as_string().empty()) out += fmt::format(" ({})", description->as_string());
  return out;
}

std::string_view code_of(const amf0::Value& info) {
  const auto* code = info.find("code");
  return code ? code->as_string() : std::string_view();
}

uint32_t chunk_stream_for(TrackKind kind) {
  switch (kind) {
    case TrackKind::video: return kVideoChunkStream;
    case TrackKind::audio: return kAudioChunkStream;
    case TrackKind::data: return kDataChunkStream;
  }
  return kDataChunkStream;
}

// "@setDataFrame" as an AMF0 string: what a publisher puts before onMetaData so that
// the server keeps the metadata for its players (FMS convention, which nginx-rtmp and
// SRS follow).
constexpr uint8_t kSetDataFrame[] = {0x02, 0x00, 0x0d, '@', 's', 'e', 't', 'D', 'a', 't', 'a', 'F', 'r', 'a', 'm', 'e'};

}  // namespace

ClientConnection::ClientConnection(ClientRole role, ClientConnectionConfig config)
    : role_(role), config_(std::move(config)), reader_(config_.limits) {}

// RTMP 7.2.1.1 connect. The chunk size goes first so the command may use it.
void ClientConnection::start() {
  if (stage_ != Stage::idle) return;
  write_set_chunk_size(config_.chunk_size, send_chunk_size_, out_);
  send_chunk_size_ = config_.chunk_size;
  std::string flash_version = config_.flash_version;
  if (flash_version.empty())
    flash_version = role_ == ClientRole::play ? "LNX 9,0,124,2" : "FMLE/3.0 (compatible; relaycast)";
  amf0::Value command_object = amf0::Value::object({{"app", config_.app},
                                                    {"type", "nonprivate"},
                                                    {"flashVer", flash_version},
                                                    {"tcUrl", config_.tc_url}});
  if (role_ == ClientRole::play) {
    // What a player announces; some servers pick codecs by these.
    command_object.set("fpad", false);
    command_object.set("capabilities", 15.0);
    command_object.set("audioCodecs", 4071.0);
    command_object.set("videoCodecs", 252.0);
    command_object.set("videoFunction", 1.0);
  }
  const amf0::Value values[] = {amf0::Value("connect"), amf0::Value(kConnectTransaction), std::move(command_object)};
  send_command(0, values);
  stage_ = Stage::connecting;
}

Result<std::optional<ClientEvent>> ClientConnection::next() {
  for (;;) {
    if (!pending_.empty()) {
      ClientEvent e = std::move(pending_.front());
      pending_.pop_front();
      return e;
    }
    auto message = reader_.next();
    if (!message) return std::unexpected(std::move(message.error()));
    acknowledge_if_due();
    if (!*message) return std::nullopt;
    auto event = on_message(std::move(**message));
    if (!event || *event) return event;
  }
}

// RTMP 5.4.4: the server asked to be acknowledged every peer_window_ bytes.
void ClientConnection::acknowledge_if_due() {
  const uint64_t received = reader_.bytes_received();
  if (peer_window_ == 0 || received - acknowledged_ < peer_window_) return;
  acknowledged_ = received;
  write_acknowledgement(uint32_t(received), send_chunk_size_, out_);
}

Result<std::optional<ClientEvent>> ClientConnection::on_message(Message m) {
  const auto body = m.payload.span();
  switch (m.type()) {
    case MessageType::set_chunk_size:
    case MessageType::abort:
    case MessageType::acknowledgement:
    case MessageType::set_peer_bandwidth:
      return std::nullopt;  // applied by the reader, or nothing to do
    case MessageType::window_ack_size:
      if (body.size() < 4) return fail(Errc::truncated, "Window Acknowledgement Size of {} bytes", body.size());
      peer_window_ = load_u32be(body.data());
      return std::nullopt;
    case MessageType::user_control: {
      ByteReader r(body);
      auto event = r.u16be();
      auto value = r.u32be();
      if (!event || !value) return fail(Errc::truncated, "user control message of {} bytes", body.size());
      if (UserControlEvent(*event) == UserControlEvent::ping_request)
        write_user_control(UserControlEvent::ping_response, *value, send_chunk_size_, out_);
      // RTMP 7.1.7 StreamEOF: the played stream is over.
      if (UserControlEvent(*event) == UserControlEvent::stream_eof && role_ == ClientRole::play &&
          stage_ == Stage::started && *value == stream_id_)
        return refusal(StatusErrc::stream_ended, "the server sent StreamEOF");
      return std::nullopt;
    }
    case MessageType::command_amf3:
      if (body.empty()) return fail(Errc::truncated, "empty AMF3 command");
      return on_command(body.subspan(1));
    case MessageType::command_amf0:
      return on_command(body);
    case MessageType::data_amf3:
      if (body.empty()) return std::nullopt;
      m.payload = m.payload.slice(1);
      m.header.type = uint8_t(MessageType::data_amf0);
      return on_data(std::move(m));
    case MessageType::data_amf0:
      return on_data(std::move(m));
    case MessageType::audio:
    case MessageType::video:
      // Media before Play.Start belongs to no accepted play; a publisher gets none.
      if (stage_ != Stage::started || role_ != ClientRole::play) return std::nullopt;
      return ClientEvent(MediaMessage{std::move(m)});
    case MessageType::aggregate: {
      if (stage_ != Stage::started || role_ != ClientRole::play) return std::nullopt;
      auto parts = split_aggregate(m);
      if (!parts) return std::unexpected(std::move(parts.error()));
      for (auto& part : *parts) {
        if (part.type() == MessageType::data_amf0) {
          if (auto data = on_data(std::move(part))) pending_.push_back(std::get<MediaMessage>(std::move(*data)));
        } else {
          pending_.push_back(MediaMessage{std::move(part)});
        }
      }
      return std::nullopt;
    }
    case MessageType::shared_object_amf0:
    case MessageType::shared_object_amf3:
      return std::nullopt;  // nothing a relay asked for
  }
  return fail(Errc::malformed, "unknown message type {}", m.header.type);
}

// Only metadata is media: |RtmpSampleAccess, NetStream.Data.Start and the like are
// for Flash players and would otherwise replace a stream's onMetaData downstream.
std::optional<ClientEvent> ClientConnection::on_data(Message m) {
  if (stage_ != Stage::started || role_ != ClientRole::play) return std::nullopt;
  ByteReader r(m.payload.span());
  auto name = amf0::decode(r);
  if (!name || (name->as_string() != "onMetaData" && name->as_string() != "@setDataFrame")) return std::nullopt;
  return ClientEvent(MediaMessage{std::move(m)});
}

Result<std::optional<ClientEvent>> ClientConnection::on_command(std::span<const uint8_t> body) {
  auto values = amf0::decode_all(body);
  if (!values) return std::unexpected(std::move(values.error()).context("command from the server"));
  const auto& v = *values;
  const std::string_view name = amf0::string_at(v, 0);
  const double transaction = v.size() > 1 ? v[1].as_number() : 0;
  if (name == "_result") return on_result(transaction, v);
  if (name == "_error") return on_error(transaction, v);
  if (name == "onStatus") {
    // The info object is the fourth value; some servers put it third.
    const amf0::Value* info = v.size() > 3 ? &v[3] : v.size() > 2 ? &v[2] : nullptr;
    if (!info || !info->is_object()) return fail(Errc::malformed, "onStatus without an info object");
    return on_status(*info);
  }
  if (name == "close") return refusal(StatusErrc::stream_ended, "the server sent close");
  // onBWDone, onFCPublish, onFCUnpublish, _checkbw, ping-like calls: nothing to do.
  return std::nullopt;
}

Result<std::optional<ClientEvent>> ClientConnection::on_result(double transaction, const std::vector<amf0::Value>& v) {
  if (transaction == kConnectTransaction && stage_ == Stage::connecting) {
    if (v.size() > 3 && v[3].is_object()) {
      const auto* level = v[3].find("level");
      if (level && level->as_string() == "error")
        return refusal(StatusErrc::connect_rejected, "connect refused: " + describe(v[3]));
    }
    if (v.size() > 2 && v[2].is_object())
      if (const auto* version = v[2].find("fmsVer")) server_version_ = std::string(version->as_string());
    write_window_ack_size(config_.window_ack_size, send_chunk_size_, out_);
    double next = kConnectTransaction + 1;
    if (role_ == ClientRole::publish) {
      // FMS conventions that nginx-rtmp and SRS accept and some services require;
      // their answers (if any) are not waited for.
      const amf0::Value release[] = {amf0::Value("releaseStream"), amf0::Value(next++), amf0::Value::null(),
                                     amf0::Value(config_.stream)};
      send_command(0, release);
      const amf0::Value fc_publish[] = {amf0::Value("FCPublish"), amf0::Value(next++), amf0::Value::null(),
                                        amf0::Value(config_.stream)};
      send_command(0, fc_publish);
    }
    create_stream_transaction_ = next;
    const amf0::Value create[] = {amf0::Value("createStream"), amf0::Value(next), amf0::Value::null()};
    send_command(0, create);
    stage_ = Stage::creating_stream;
    return std::nullopt;
  }
  if (transaction == create_stream_transaction_ && stage_ == Stage::creating_stream) {
    const double id = v.size() > 3 ? v[3].as_number(-1) : -1;
    if (id < 0 || id > double(UINT32_MAX) || id != double(uint32_t(id)))
      return fail(Errc::malformed, "createStream answered without a stream id");
    stream_id_ = uint32_t(id);
    start_transaction_ = create_stream_transaction_ + 1;
    if (role_ == ClientRole::play) {
      // RTMP 7.2.2.1 play: start -2 takes the live stream (or a recording: a server's
      // choice); ffmpeg's default too.
      const amf0::Value play[] = {amf0::Value("play"), amf0::Value(start_transaction_), amf0::Value::null(),
                                  amf0::Value(config_.stream), amf0::Value(-2.0)};
      send_command(stream_id_, play);
      write_user_control_set_buffer_length(stream_id_, config_.buffer_length_ms, send_chunk_size_, out_);
    } else {
      const amf0::Value publish[] = {amf0::Value("publish"), amf0::Value(start_transaction_), amf0::Value::null(),
                                     amf0::Value(config_.stream), amf0::Value("live")};
      send_command(stream_id_, publish);
    }
    stage_ = Stage::starting;
    return std::nullopt;
  }
  return std::nullopt;  // answers to calls we do not wait for (releaseStream, FCPublish)
}

Result<std::optional<ClientEvent>> ClientConnection::on_error(double transaction, const std::vector<amf0::Value>& v) {
  const amf0::Value info = v.size() > 3 ? v[3] : amf0::Value();
  if (transaction == kConnectTransaction)
    return refusal(StatusErrc::connect_rejected, "connect refused: " + describe(info));
  if (transaction == create_stream_transaction_)
    return refusal(StatusErrc::command_failed, "createStream refused: " + describe(info));
  if (transaction == start_transaction_ && start_transaction_ != 0)
    return refusal(classify_status(code_of(info)), fmt::format("{} of {} refused: {}", what(), config_.stream,
                                                                describe(info)));
  // releaseStream / FCPublish may be refused by servers that do not know them.
  return std::nullopt;
}

// RTMP 7.2.2: NetStream status events.
Result<std::optional<ClientEvent>> ClientConnection::on_status(const amf0::Value& info) {
  const std::string_view code = code_of(info);
  const auto* level = info.find("level");
  if (level && level->as_string() == "error")
    return refusal(classify_status(code), fmt::format("{} of {} refused: {}", what(), config_.stream, describe(info)));
  if (stage_ == Stage::starting &&
      code == (role_ == ClientRole::play ? "NetStream.Play.Start" : "NetStream.Publish.Start")) {
    stage_ = Stage::started;
    return ClientEvent(StreamStarted{stream_id_});
  }
  if (role_ == ClientRole::play &&
      (code == "NetStream.Play.UnpublishNotify" || code == "NetStream.Play.Stop" || code == "NetStream.Play.Complete"))
    return refusal(StatusErrc::stream_ended, fmt::format("{} ended: {}", config_.stream, describe(info)));
  if (role_ == ClientRole::publish && code == "NetStream.Unpublish.Success" && stage_ == Stage::started)
    return refusal(StatusErrc::stream_ended, fmt::format("{} was unpublished: {}", config_.stream, describe(info)));
  return std::nullopt;  // Play.Reset, Play.PublishNotify, Data.Start, ...
}

void ClientConnection::write_media(const MediaPacket& packet, std::vector<Buffer>& out) const {
  const MessageHeader header{.chunk_stream = chunk_stream_for(packet.kind),
                             .timestamp = uint32_t(ticks_to_ms(packet.dts)),
                             .type = flv::tag_type(packet.kind),
                             .stream_id = stream_id_};
  if (packet.kind == TrackKind::data) {
    write_shared_chunks(header, kSetDataFrame, packet.payload, send_chunk_size_, out);
    return;
  }
  uint8_t prefix[flv::kMaxBodyPrefix];
  const size_t n = flv::body_prefix(packet, prefix);
  write_shared_chunks(header, std::span(prefix, n), packet.payload, send_chunk_size_, out);
}

void ClientConnection::stop() {
  if (stage_ == Stage::stopped || stage_ == Stage::idle) return;
  if (stream_id_ != 0) {
    if (role_ == ClientRole::publish) {
      const amf0::Value unpublish[] = {amf0::Value("FCUnpublish"), amf0::Value(0.0), amf0::Value::null(),
                                       amf0::Value(config_.stream)};
      send_command(0, unpublish);
    }
    const amf0::Value remove[] = {amf0::Value("deleteStream"), amf0::Value(0.0), amf0::Value::null(),
                                  amf0::Value(double(stream_id_))};
    send_command(0, remove);
  }
  stage_ = Stage::stopped;
}

void ClientConnection::send_command(uint32_t stream_id, std::span<const amf0::Value> values) {
  std::vector<uint8_t> body;
  amf0::encode_all(values, body);
  write_chunks({.chunk_stream = kCommandChunkStream, .type = uint8_t(MessageType::command_amf0), .stream_id = stream_id},
               body, send_chunk_size_, out_);
}

}  // namespace relaycast::rtmp
