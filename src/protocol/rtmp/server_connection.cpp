#include "protocol/rtmp/server_connection.hpp"

#include "core/byte_io.hpp"
#include "protocol/rtmp/aggregate.hpp"
#include "protocol/rtmp/chunk_writer.hpp"
#include "protocol/rtmp/control_messages.hpp"

namespace relaycast::rtmp {
namespace {

// "name?a=b" -> {"name", "a=b"}
std::pair<std::string, std::string> split_query(std::string_view s) {
  auto q = s.find('?');
  if (q == std::string_view::npos) return {std::string(s), {}};
  return {std::string(s.substr(0, q)), std::string(s.substr(q + 1))};
}

}  // namespace

ServerConnection::ServerConnection(ServerConnectionConfig config) : config_(config), reader_(config.limits) {}

Result<std::optional<ServerEvent>> ServerConnection::next() {
  for (;;) {
    if (!pending_.empty()) {
      ServerEvent e = std::move(pending_.front());
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

// RTMP 5.4.4: the peer asked to be acknowledged every peer_window_ bytes.
void ServerConnection::acknowledge_if_due() {
  const uint64_t received = reader_.bytes_received();
  if (peer_window_ == 0 || received - acknowledged_ < peer_window_) return;
  acknowledged_ = received;
  write_acknowledgement(uint32_t(received), send_chunk_size_, out_);
}

Result<std::optional<ServerEvent>> ServerConnection::on_message(Message m) {
  const auto body = m.payload.span();
  switch (m.type()) {
    case MessageType::set_chunk_size:
    case MessageType::abort:
    case MessageType::acknowledgement:
    case MessageType::set_peer_bandwidth:
      return std::nullopt;  // applied by the reader, or nothing to do for a server
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
      return std::nullopt;
    }
    case MessageType::command_amf3:
      // RTMP 7.1.1: an AMF3 command starts with a format byte, then AMF0 values.
      if (body.empty()) return fail(Errc::truncated, "empty AMF3 command");
      return on_command(body.subspan(1), m.header.stream_id);
    case MessageType::command_amf0:
      return on_command(body, m.header.stream_id);
    case MessageType::data_amf3:
      if (body.empty()) return std::nullopt;
      m.payload = m.payload.slice(1);
      m.header.type = uint8_t(MessageType::data_amf0);
      return ServerEvent(MediaMessage{std::move(m)});
    case MessageType::audio:
    case MessageType::video:
    case MessageType::data_amf0:
      return ServerEvent(MediaMessage{std::move(m)});
    case MessageType::aggregate: {
      auto parts = split_aggregate(m);
      if (!parts) return std::unexpected(std::move(parts.error()));
      for (auto& part : *parts) pending_.push_back(MediaMessage{std::move(part)});
      return std::nullopt;
    }
    case MessageType::shared_object_amf0:
    case MessageType::shared_object_amf3:
      return fail(Errc::unsupported, "shared objects (message type {}) are not supported", m.header.type);
  }
  return fail(Errc::malformed, "unknown message type {}", m.header.type);
}

Result<std::optional<ServerEvent>> ServerConnection::on_command(std::span<const uint8_t> body, uint32_t stream_id) {
  auto values = amf0::decode_all(body);
  if (!values) return std::unexpected(std::move(values.error()).context("command"));
  const auto& v = *values;
  const std::string_view name = amf0::string_at(v, 0);
  const double transaction = v.size() > 1 ? v[1].as_number() : 0;
  if (name.empty()) return fail(Errc::malformed, "command message without a name");

  if (name == "connect") {
    if (connected_) return fail(Errc::malformed, "second connect on one connection");
    const amf0::Value command_object = v.size() > 2 ? v[2] : amf0::Value();
    if (!config_.redirect_app.empty()) {
      const auto* app_value = command_object.find("app");
      const std::string app(split_query(app_value ? app_value->as_string() : "").first);
      const std::string prefix = config_.redirect_app + "/";
      if (app == config_.redirect_app || app.starts_with(prefix)) {
        std::string target = app.size() > prefix.size() ? app.substr(prefix.size()) : "";
        while (!target.empty() && target.back() == '/') target.pop_back();
        return ServerEvent(ConnectRedirect{std::move(target), transaction});
      }
    }
    on_connect(transaction, command_object);
    return std::nullopt;
  }
  if (!connected_) return fail(Errc::malformed, "command {} before connect", name);

  if (name == "createStream") {
    send_result(transaction, amf0::Value(double(stream_id_)));
  } else if (name == "publish" || name == "play") {
    auto [stream, query] = split_query(amf0::string_at(v, 3));
    if (stream.empty()) return fail(Errc::malformed, "{} without a stream name", name);
    stream_id_ = stream_id ? stream_id : stream_id_;
    StreamRequest request{app_, std::move(stream), query.empty() ? app_query_ : std::move(query)};
    if (name == "publish") return ServerEvent(PublishRequest{std::move(request)});
    return ServerEvent(PlayRequest{std::move(request)});
  } else if (name == "deleteStream" || name == "closeStream" || name == "FCUnpublish") {
    return ServerEvent(StopRequest{});
  } else if (name == "getStreamLength") {
    // FFmpeg asks before playing; a live stream has no length.
    if (transaction != 0) send_result(transaction, amf0::Value(0.0));
  } else if (name == "releaseStream" || name == "FCPublish" || name == "FCSubscribe" || name == "FCUnsubscribe" ||
             name == "_checkbw") {
    // Flash Media Server conventions that need no action here; answer so that
    // clients waiting on the transaction go on.
    if (transaction != 0) send_result(transaction, amf0::Value::undefined());
  } else if (name == "receiveAudio" || name == "receiveVideo" || name == "pause" || name == "seek" ||
             name == "_result" || name == "_error" || name == "onBWDone") {
    // Live streams cannot pause or seek; answers to our own calls need nothing.
  } else {
    return fail(Errc::unsupported, "unknown command \"{}\"", name);
  }
  return std::nullopt;
}

// RTMP 7.2.1.1: connect. The answer announces our window and chunk size first, so
// everything after it may use the larger chunks.
void ServerConnection::on_connect(double transaction, const amf0::Value& command_object) {
  connected_ = true;
  auto [app, query] = split_query(command_object.find("app") ? command_object.find("app")->as_string() : "");
  while (!app.empty() && app.back() == '/') app.pop_back();
  app_ = std::move(app);
  app_query_ = std::move(query);
  if (const auto* tc = command_object.find("tcUrl")) tc_url_ = std::string(tc->as_string());
  if (app_query_.empty()) app_query_ = split_query(tc_url_).second;
  if (const auto* fv = command_object.find("flashVer")) flash_version_ = std::string(fv->as_string());
  if (const auto* enc = command_object.find("objectEncoding")) object_encoding_ = enc->as_number();

  write_window_ack_size(config_.window_ack_size, send_chunk_size_, out_);
  write_set_peer_bandwidth(config_.window_ack_size, 2, send_chunk_size_, out_);
  write_set_chunk_size(config_.chunk_size, send_chunk_size_, out_);
  send_chunk_size_ = config_.chunk_size;

  const amf0::Value values[] = {
      amf0::Value("_result"), amf0::Value(transaction),
      amf0::Value::object({{"fmsVer", "FMS/3,0,1,123"}, {"capabilities", 31.0}, {"mode", 1.0}}),
      amf0::Value::object({{"level", "status"},
                           {"code", "NetConnection.Connect.Success"},
                           {"description", "Connection succeeded."},
                           {"objectEncoding", object_encoding_}})};
  send_command(0, values);
}

// FMS 3 application.redirectConnection: _error with NetConnection.Connect.Rejected,
// ex.code 302 and ex.redirect, the convention Wowza and SRS follow as well.
void ServerConnection::redirect_connect(const ConnectRedirect& request, std::string_view url,
                                        std::string_view description) {
  amf0::Properties info{{"level", "error"},
                        {"code", "NetConnection.Connect.Rejected"},
                        {"description", std::string(description)}};
  if (!url.empty()) info.push_back({"ex", amf0::Value::object({{"code", 302.0}, {"redirect", std::string(url)}})});
  const amf0::Value values[] = {amf0::Value("_error"), amf0::Value(request.transaction), amf0::Value::null(),
                                amf0::Value::object(std::move(info))};
  send_command(0, values);
}

void ServerConnection::accept_publish(const PublishRequest& request) {
  write_user_control(UserControlEvent::stream_begin, stream_id_, send_chunk_size_, out_);
  send_status("status", "NetStream.Publish.Start", request.key() + " is now published.");
}

void ServerConnection::reject_publish(std::string_view code, std::string_view description) {
  send_status("error", code, description);
}

// RTMP 7.2.2.1: play is answered with StreamBegin, Play.Reset and Play.Start, then
// |RtmpSampleAccess so that Flash-era players may read the samples.
void ServerConnection::accept_play(const PlayRequest& request) {
  write_user_control(UserControlEvent::stream_begin, stream_id_, send_chunk_size_, out_);
  send_status("status", "NetStream.Play.Reset", "Playing and resetting " + request.key() + ".");
  send_status("status", "NetStream.Play.Start", "Started playing " + request.key() + ".");
  const amf0::Value access[] = {amf0::Value("|RtmpSampleAccess"), amf0::Value(true), amf0::Value(true)};
  std::vector<uint8_t> body;
  amf0::encode_all(access, body);
  write_chunks({.chunk_stream = kDataChunkStream, .type = uint8_t(MessageType::data_amf0), .stream_id = stream_id_},
               body, send_chunk_size_, out_);
}

void ServerConnection::reject_play(std::string_view code, std::string_view description) {
  send_status("error", code, description);
}

void ServerConnection::end_play(std::string_view stream_key) {
  send_status("status", "NetStream.Play.UnpublishNotify", fmt::format("{} is now unpublished.", stream_key));
  send_status("status", "NetStream.Play.Stop", fmt::format("Stopped playing {}.", stream_key));
  write_user_control(UserControlEvent::stream_eof, stream_id_, send_chunk_size_, out_);
}

void ServerConnection::send_command(uint32_t stream_id, std::span<const amf0::Value> values) {
  std::vector<uint8_t> body;
  amf0::encode_all(values, body);
  write_chunks({.chunk_stream = kCommandChunkStream, .type = uint8_t(MessageType::command_amf0), .stream_id = stream_id},
               body, send_chunk_size_, out_);
}

void ServerConnection::send_result(double transaction, amf0::Value value) {
  const amf0::Value values[] = {amf0::Value("_result"), amf0::Value(transaction), amf0::Value::null(),
                                std::move(value)};
  send_command(0, values);
}

// RTMP 7.2.2: onStatus with transaction 0 and a null command object.
void ServerConnection::send_status(std::string_view level, std::string_view code, std::string_view description) {
  const amf0::Value values[] = {
      amf0::Value("onStatus"), amf0::Value(0.0), amf0::Value::null(),
      amf0::Value::object({{"level", std::string(level)},
                           {"code", std::string(code)},
                           {"description", std::string(description)}})};
  send_command(stream_id_, values);
}

}  // namespace relaycast::rtmp
