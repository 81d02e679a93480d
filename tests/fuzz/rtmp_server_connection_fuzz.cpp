// The sans-IO RTMP server connection as a session drives it: a valid handshake, then
// whatever the client sends as its chunk stream, events answered by accepting or
// rejecting as the input decides. No input may crash it or make it answer with bytes
// a client could not parse.
#include <variant>

#include "fuzz_support.hpp"
#include "protocol/rtmp/chunk_reader.hpp"
#include "protocol/rtmp/handshake.hpp"
#include "protocol/rtmp/server_connection.hpp"

using namespace relaycast;

namespace {

// A plain C0 C1 C2, as librtmp sends it.
std::vector<uint8_t> client_handshake() {
  std::vector<uint8_t> out(rtmp::handshake_size, 0);
  out[0] = rtmp::rtmp_version;
  for (size_t i = 9; i < out.size(); ++i) out[i] = uint8_t(i);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::vector<uint8_t> c0c1c2 = client_handshake();
  rtmp::ServerHandshake handshake(0, [](std::span<uint8_t> out) { std::fill(out.begin(), out.end(), 0x5a); });
  auto taken = handshake.feed(c0c1c2);
  FUZZ_CHECK(taken && *taken == c0c1c2.size() && handshake.done());

  const uint8_t policy = data[0];  // which requests to accept, and how to slice
  rtmp::ServerConnectionConfig config;
  config.chunk_size = policy & 1 ? 128 : 4096;
  config.limits = {.max_message_size = 256 * 1024, .max_chunk_size = 1 << 20, .max_open_messages = 4};
  rtmp::ServerConnection connection(config);
  // What the server sends must be a chunk stream a client can read back.
  rtmp::ChunkReader client_side({.max_message_size = 1 << 20, .max_chunk_size = 1 << 24, .max_open_messages = 8});
  bool failed = false;
  size_t event_count = 0;
  fuzz::for_each_slice({data + 1, size - 1}, policy, 1500, [&](std::span<const uint8_t> slice) {
    if (failed) return;
    connection.feed(slice);
    for (;;) {
      auto event = connection.next();
      if (!event) {
        failed = true;
        break;
      }
      if (!*event) break;
      ++event_count;
      if (auto* publish = std::get_if<rtmp::PublishRequest>(&**event)) {
        if ((policy >> 1) & 1) {
          connection.accept_publish(*publish);
        } else {
          connection.reject_publish("NetStream.Publish.BadName", "no");
        }
      } else if (auto* play = std::get_if<rtmp::PlayRequest>(&**event)) {
        if ((policy >> 2) & 1) {
          connection.accept_play(*play);
          if ((policy >> 3) & 1) connection.end_play(play->key());
        } else {
          connection.reject_play("NetStream.Play.StreamNotFound", "no");
        }
      } else if (auto* media = std::get_if<rtmp::MediaMessage>(&**event)) {
        FUZZ_CHECK(media->message.payload.size() <= config.limits.max_message_size);
      }
    }
    auto& out = connection.output();
    if (!out.empty()) {
      client_side.feed(out);
      out.clear();
      for (;;) {
        auto reply = client_side.next();
        FUZZ_CHECK(reply.has_value());  // our own replies must parse
        if (!*reply) break;
      }
    }
  });
  FUZZ_CHECK(connection.send_chunk_size() >= 128);
  return 0;
}
