#pragma once
// The client side of an RTMP connection after the handshake (RTMP 7.2), sans-IO, for
// pulling a stream from an origin (play) or pushing one to it (publish): chunk bytes
// in; events (the stream started, a media message) and request bytes out.
//
//   play:    connect(1) -> createStream(2) -> play            -> NetStream.Play.Start, media
//   publish: connect(1) -> releaseStream(2), FCPublish(3), createStream(4) -> publish(5)
//                                                             -> NetStream.Publish.Start
// The transaction numbers are ffmpeg's, so the recorded nginx-rtmp answers in
// tests/fixtures/rtmp fit. Every refusal (_error, a level "error" onStatus) and the end
// of the played stream are errors with a StatusErrc code; protocol violations are
// Errc errors. Either way the connection is done.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/buffer.hpp"
#include "core/error.hpp"
#include "format/amf0.hpp"
#include "media/media_packet.hpp"
#include "protocol/rtmp/chunk_reader.hpp"
#include "protocol/rtmp/message.hpp"
#include "protocol/rtmp/status_error.hpp"

namespace relaycast::rtmp {

enum class ClientRole { play, publish };

struct ClientConnectionConfig {
  std::string app;            // connect's app: "live"
  std::string tc_url;         // "rtmp://host:1935/live"
  std::string stream;         // what to play or publish: "name" or "name?key=..."
  std::string flash_version;  // empty: what ffmpeg sends for the role
  uint32_t chunk_size = 60000;          // what we send with, announced before connect
  uint32_t window_ack_size = 2500000;   // what we ask the server to acknowledge at
  uint32_t buffer_length_ms = 3000;     // Set Buffer Length after createStream (play)
  ChunkReaderLimits limits;
};

// The server accepted the play or publish: media flows from now on.
struct StreamStarted {
  uint32_t stream_id = 0;
};

using ClientEvent = std::variant<StreamStarted, MediaMessage>;

class ClientConnection {
public:
  ClientConnection(ClientRole role, ClientConnectionConfig config);

  // Queues Set Chunk Size and connect; call once, when the handshake is done.
  void start();

  std::span<uint8_t> prepare(size_t n) { return reader_.prepare(n); }
  void commit(size_t n) { reader_.commit(n); }
  void feed(std::span<const uint8_t> bytes) { reader_.feed(bytes); }

  // The next event, nullopt when more bytes are needed, or why the connection is over
  // (StatusErrc for what the server said, Errc for what it sent that is not RTMP).
  Result<std::optional<ClientEvent>> next();

  // Publishing, once started: appends the chunks of one packet to `out`; the payload
  // is referenced, not copied.
  void write_media(const MediaPacket& packet, std::vector<Buffer>& out) const;
  // Queues the polite goodbye (FCUnpublish and deleteStream, or deleteStream).
  void stop();

  // Bytes to send; the caller swaps them out and writes them before any media.
  std::vector<uint8_t>& output() { return out_; }
  bool started() const { return stage_ == Stage::started; }
  uint32_t stream_id() const { return stream_id_; }
  ClientRole role() const { return role_; }
  // What the server called itself in connect's answer (fmsVer), for logs.
  const std::string& server_version() const { return server_version_; }

private:
  enum class Stage { idle, connecting, creating_stream, starting, started, stopped };

  Result<std::optional<ClientEvent>> on_message(Message message);
  Result<std::optional<ClientEvent>> on_command(std::span<const uint8_t> body);
  Result<std::optional<ClientEvent>> on_result(double transaction, const std::vector<amf0::Value>& v);
  Result<std::optional<ClientEvent>> on_error(double transaction, const std::vector<amf0::Value>& v);
  Result<std::optional<ClientEvent>> on_status(const amf0::Value& info);
  std::optional<ClientEvent> on_data(Message message);
  void send_command(uint32_t stream_id, std::span<const amf0::Value> values);
  void acknowledge_if_due();
  std::string_view what() const { return role_ == ClientRole::play ? "play" : "publish"; }

  const ClientRole role_;
  const ClientConnectionConfig config_;
  ChunkReader reader_;
  std::vector<uint8_t> out_;
  Stage stage_ = Stage::idle;
  uint32_t send_chunk_size_ = 128;
  uint32_t peer_window_ = 0;
  uint64_t acknowledged_ = 0;
  uint32_t stream_id_ = 0;
  double create_stream_transaction_ = 0;
  double start_transaction_ = 0;
  std::string server_version_;
  std::deque<MediaMessage> pending_;
};

}  // namespace relaycast::rtmp
