#include "protocol/rtmp/handshake.hpp"

#include <algorithm>
#include <string_view>

#include "core/byte_io.hpp"

namespace relaycast::rtmp {
namespace {

// The version field (bytes 4..7 of C1 and S1) of the digest handshake. Zero means a
// plain packet; Flash Player and Flash Media Server put their version there when they
// sign. ffmpeg, when it plays, looks for a digest in S1 if the first version byte is 3
// or more and then gives up on a server without one, so a plain S1 must keep it zero.
constexpr uint32_t signing_server_version = 0x0d0e0a0d;  // what nginx-rtmp sends
constexpr uint32_t signing_client_version = 0x09007c02;  // Flash Player 9.0.124.2, as ffmpeg claims

// RTMP 5.2.2 C0 and S0 Format
//   +-+-+-+-+-+-+-+-+
//   |   version     |
//   +-+-+-+-+-+-+-+-+
// 3 is the version the spec defines; 0-2 are deprecated, 4-31 reserved, and 32-255 not
// allowed so that RTMP can be told apart from text protocols. The spec lets a server
// answer 3 to a version it does not know, but nginx-rtmp and SRS close the connection,
// and so do we: a peer that asked for something else would not understand what follows.
Result<void> check_version(uint8_t version, std::string_view peer) {
  if (version == rtmp_version) return {};
  if (version == 6 || version == 8) {
    return fail(Errc::unsupported,
                "{} asked for RTMP version {}, which is RTMPE (encrypted RTMP); only 3 is supported",
                peer, version);
  }
  if (version >= 32) {
    return fail(Errc::unsupported,
                "{} sent 0x{:02x} where the RTMP version byte belongs: not RTMP (HTTP or TLS?)",
                peer, version);
  }
  return fail(Errc::unsupported, "{} asked for RTMP version {}; only 3 is supported", peer, version);
}

// Moves into `packet` what it still lacks of a whole handshake packet, from the front of
// `in`; returns how many bytes that took.
size_t collect(std::vector<uint8_t>& packet, std::span<const uint8_t> in) {
  const size_t n = std::min(in.size(), handshake_packet_size - packet.size());
  packet.insert(packet.end(), in.begin(), in.begin() + n);
  return n;
}

HandshakePacket whole(const std::vector<uint8_t>& packet) {
  return HandshakePacket(packet.data(), handshake_packet_size);
}

uint32_t version_field(HandshakePacket packet) { return load_u32be(packet.data() + 4); }

// RTMP 5.2.3 C1 and S1 Format
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        time (4 bytes)                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        zero (4 bytes)                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   random bytes (1528 bytes)                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// The digest handshake puts its version in "zero" and its digest among the random
// bytes, so a signed packet is first filled as a plain one with a version, then signed.
void fill_challenge(MutableHandshakePacket packet, uint32_t time, uint32_t version,
                    const RandomFill& random) {
  store_u32be(packet.data(), time);
  store_u32be(packet.data() + 4, version);
  random(packet.subspan(8));
}

// Where in `out` a handshake packet starting at `at` is written.
MutableHandshakePacket packet_at(std::vector<uint8_t>& out, size_t at) {
  return MutableHandshakePacket(out.data() + at, handshake_packet_size);
}

}  // namespace

ServerHandshake::ServerHandshake(uint32_t epoch, RandomFill random)
    : epoch_(epoch), random_(std::move(random)) {
  c1_.reserve(handshake_packet_size);
}

Result<size_t> ServerHandshake::feed(std::span<const uint8_t> bytes) {
  if (error_) return std::unexpected(*error_);
  size_t taken = 0;
  while (taken < bytes.size() && stage_ != Stage::done) {
    const auto rest = bytes.subspan(taken);
    switch (stage_) {
      case Stage::c0:
        // Checked on its own byte, so a client speaking another protocol is turned away
        // at once rather than after 1536 bytes it may never send.
        if (auto ok = check_version(rest[0], "client"); !ok) {
          error_ = ok.error();
          return std::unexpected(*error_);
        }
        taken += 1;
        stage_ = Stage::c1;
        break;
      case Stage::c1:
        taken += collect(c1_, rest);
        if (c1_.size() == handshake_packet_size) {
          answer_c1();
          stage_ = Stage::c2;
        }
        break;
      case Stage::c2: {
        const size_t n = std::min(rest.size(), handshake_packet_size - c2_received_);
        c2_received_ += n;
        taken += n;
        if (c2_received_ == handshake_packet_size) stage_ = Stage::done;
        break;
      }
      case Stage::done:
        break;
    }
  }
  return taken;
}

// S0, S1 and S2 go out together once C1 is in: S1's schema and S2 both depend on C1,
// and a client sends nothing more before it has S1.
void ServerHandshake::answer_c1() {
  const HandshakePacket c1 = whole(c1_);
  // A client that put a version in C1 may sign it; one that signed it expects signed
  // answers. nginx-rtmp answers an unverifiable C1 with the plain handshake, which
  // clients accept, so a C1 that claims a version but carries no valid digest does too.
  std::optional<FoundDigest> client_digest;
  if (version_field(c1) != 0) client_digest = find_digest(c1, flash_player_key.text);
  signed_ = client_digest.has_value();

  output_.resize(handshake_size);
  output_[0] = rtmp_version;
  const MutableHandshakePacket s1 = packet_at(output_, 1);
  const MutableHandshakePacket s2 = packet_at(output_, 1 + handshake_packet_size);
  if (client_digest) {
    // Same schema as the client's, as SRS does: a client that looks for our digest in
    // one place only will look where it put its own (FFmpeg and librtmp try both).
    fill_challenge(s1, epoch_, signing_server_version, random_);
    write_digest(s1, client_digest->schema, media_server_key.text);
    random_(s2);
    sign_answer(s2, media_server_key.full, client_digest->digest);
  } else {
    fill_challenge(s1, epoch_, 0, random_);
    // RTMP 5.2.4: S2 is C1's time, the time we read C1, and C1's random bytes. There
    // is no clock here, and no client checks the middle field, so S2 is C1 as it came,
    // as nginx-rtmp, SRS and librtmp send it.
    std::ranges::copy(c1, s2.begin());
  }
}

ClientHandshake::ClientHandshake(Mode mode, uint32_t epoch, RandomFill random) : random_(std::move(random)) {
  output_.resize(1 + handshake_packet_size);
  output_[0] = rtmp_version;
  const MutableHandshakePacket c1 = packet_at(output_, 1);
  if (mode == Mode::digest) {
    fill_challenge(c1, epoch, signing_client_version, random_);
    c1_digest_ = write_digest(c1, DigestSchema::block_at_8, flash_player_key.text);
  } else {
    fill_challenge(c1, epoch, 0, random_);
  }
  c1_.assign(c1.begin(), c1.end());
  s1_.reserve(handshake_packet_size);
  s2_.reserve(handshake_packet_size);
}

Result<size_t> ClientHandshake::feed(std::span<const uint8_t> bytes) {
  if (error_) return std::unexpected(*error_);
  size_t taken = 0;
  while (taken < bytes.size() && stage_ != Stage::done) {
    const auto rest = bytes.subspan(taken);
    switch (stage_) {
      case Stage::s0:
        if (auto ok = check_version(rest[0], "server"); !ok) {
          error_ = ok.error();
          return std::unexpected(*error_);
        }
        taken += 1;
        stage_ = Stage::s1;
        break;
      case Stage::s1:
        taken += collect(s1_, rest);
        if (s1_.size() == handshake_packet_size) {
          answer_s1();
          stage_ = Stage::s2;
        }
        break;
      case Stage::s2:
        taken += collect(s2_, rest);
        if (s2_.size() == handshake_packet_size) {
          check_s2();
          stage_ = Stage::done;
        }
        break;
      case Stage::done:
        break;
    }
  }
  return taken;
}

// RTMP 5.2.4 C2 and S2 Format
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        time (4 bytes)                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        time2 (4 bytes)                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   random echo (1528 bytes)                    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// C2 can go as soon as S1 is in (5.2.1); the server waits for it before anything else.
void ClientHandshake::answer_s1() {
  const HandshakePacket s1 = whole(s1_);
  // Looked for only when we signed C1: a server signs S1 only for a signed C1.
  if (c1_digest_ && version_field(s1) != 0) {
    if (auto found = find_digest(s1, media_server_key.text)) s1_digest_ = found->digest;
  }
  const size_t at = output_.size();
  output_.resize(at + handshake_packet_size);
  const MutableHandshakePacket c2 = packet_at(output_, at);
  if (s1_digest_) {
    random_(c2);
    sign_answer(c2, flash_player_key.full, *s1_digest_);
  } else {
    // As S2 on the server side: an echo, time2 included, since there is no clock.
    std::ranges::copy(s1, c2.begin());
  }
}

void ClientHandshake::check_s2() {
  const HandshakePacket s2 = whole(s2_);
  if (s1_digest_) {
    server_verified_ = answer_signed(s2, media_server_key.full, *c1_digest_);
  } else {
    server_verified_ = std::ranges::equal(s2, c1_);
  }
}

}  // namespace relaycast::rtmp
