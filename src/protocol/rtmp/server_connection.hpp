#pragma once
// The server side of an RTMP connection after the handshake (RTMP 7.2), sans-IO:
// chunk bytes in; events for the session (a publish or play request, a media message,
// a stop) and reply bytes out. Protocol control (chunk size, acknowledgements, pings)
// is answered here; what needs a decision (may this client publish that stream?)
// is an event the session answers with accept_*/reject_*.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "format/amf0.hpp"
#include "protocol/rtmp/chunk_reader.hpp"
#include "protocol/rtmp/message.hpp"

namespace relaycast::rtmp {

struct ServerConnectionConfig {
  uint32_t chunk_size = 60000;        // what we send with, announced right after connect
  uint32_t window_ack_size = 2500000;  // what we ask the peer to acknowledge at
  ChunkReaderLimits limits;
  // A connect to app "<redirect_app>/<app>" is not answered here: it becomes a
  // ConnectRedirect event, answered with redirect_connect(). Empty: none.
  std::string redirect_app;
};

// A stream name as a client sends it: "name?key=abc&token=x" split at the '?'.
struct StreamRequest {
  std::string app;    // from connect, without any query
  std::string name;   // from publish/play, without any query
  std::string query;  // the publish/play query, else the one in connect's app or tcUrl
  std::string key() const { return app + "/" + name; }
};

struct PublishRequest : StreamRequest {};
struct PlayRequest : StreamRequest {};
// deleteStream / closeStream / FCUnpublish: the client is done with its stream.
struct StopRequest {};
// A connect to the redirect app: where should this client go for `app`?
struct ConnectRedirect {
  std::string app;  // what follows "<redirect_app>/", without any query
  double transaction = 0;
};

using ServerEvent = std::variant<PublishRequest, PlayRequest, MediaMessage, StopRequest, ConnectRedirect>;

class ServerConnection {
public:
  explicit ServerConnection(ServerConnectionConfig config = {});

  std::span<uint8_t> prepare(size_t n) { return reader_.prepare(n); }
  void commit(size_t n) { reader_.commit(n); }
  void feed(std::span<const uint8_t> bytes) { reader_.feed(bytes); }

  // The next event, nullopt when more bytes are needed, or the protocol error that
  // ends the connection.
  Result<std::optional<ServerEvent>> next();

  // Replies queued into output().
  void accept_publish(const PublishRequest& request);
  void reject_publish(std::string_view code, std::string_view description);
  void accept_play(const PlayRequest& request);
  void reject_play(std::string_view code, std::string_view description);
  // The answer to a ConnectRedirect (FMS's application.redirectConnection, followed by
  // players that read info.ex.redirect): connect rejected with ex.code 302 and
  // ex.redirect `url`; with an empty `url`, a plain rejection saying `description`.
  void redirect_connect(const ConnectRedirect& request, std::string_view url, std::string_view description);
  // The publisher of what this client plays has left (RTMP 7.2.2.6 onStatus, 7.1.7
  // StreamEOF).
  void end_play(std::string_view stream_key);

  // Bytes to send; the caller swaps them out and writes them before media.
  std::vector<uint8_t>& output() { return out_; }
  // The chunk size media must be sent with (changes once, at connect).
  uint32_t send_chunk_size() const { return send_chunk_size_; }
  bool connected() const { return connected_; }
  const std::string& app() const { return app_; }
  const std::string& tc_url() const { return tc_url_; }
  const std::string& flash_version() const { return flash_version_; }

private:
  Result<std::optional<ServerEvent>> on_message(Message message);
  Result<std::optional<ServerEvent>> on_command(std::span<const uint8_t> body, uint32_t stream_id);
  void on_connect(double transaction, const amf0::Value& command_object);
  void send_command(uint32_t stream_id, std::span<const amf0::Value> values);
  void send_status(std::string_view level, std::string_view code, std::string_view description);
  void send_result(double transaction, amf0::Value value);
  void acknowledge_if_due();

  ServerConnectionConfig config_;
  ChunkReader reader_;
  std::vector<uint8_t> out_;
  uint32_t send_chunk_size_ = 128;
  uint32_t peer_window_ = 0;  // acknowledge each time this many bytes came in
  uint64_t acknowledged_ = 0;
  bool connected_ = false;
  std::string app_;
  std::string app_query_;
  std::string tc_url_;
  std::string flash_version_;
  double object_encoding_ = 0;
  uint32_t stream_id_ = 1;  // the one message stream createStream hands out
  std::deque<ServerEvent> pending_;
};

}  // namespace relaycast::rtmp
