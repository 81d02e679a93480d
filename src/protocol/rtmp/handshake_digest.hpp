#pragma once
// The digest ("complex") RTMP handshake, which the RTMP specification does not
// describe: Flash Player 9.0.124 started signing C1 with HMAC-SHA256, Flash Media
// Server answered with signed S1 and S2, and players of that era (and ffmpeg, which
// imitates them) expect a server to do the same. Everything here was learnt from the
// servers and clients that interoperate with them (nginx-rtmp, SRS, FFmpeg, librtmp).
//
// A signed C1 or S1 (1536 bytes) is laid out as
//   time (4) | version (4, non-zero) | block A (764) | block B (764)
// One of the two blocks is the "digest block": its first 4 bytes give the digest's
// position, offset = (sum of those 4 bytes) % 728, and the 32-byte digest sits at
// block + 4 + offset. The digest is HMAC-SHA256 of the other 1504 bytes of the packet,
// keyed with the signer's key text. Which block holds it is the "schema".
//
// A signed C2 or S2 is 1504 random bytes followed by HMAC-SHA256 of them, keyed with
// HMAC-SHA256(signer's full key, digest of the peer's C1 or S1): the answer proves
// its sender read the peer's packet.
//
// The functions throw std::runtime_error only if OpenSSL cannot compute HMAC-SHA256 at
// all (a broken installation, as rare as bad_alloc); bad input never makes them fail.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace relaycast::rtmp {

inline constexpr size_t handshake_packet_size = 1536;  // C1, S1, C2, S2
inline constexpr size_t digest_size = 32;

using Digest = std::array<uint8_t, digest_size>;
using HandshakePacket = std::span<const uint8_t, handshake_packet_size>;
using MutableHandshakePacket = std::span<uint8_t, handshake_packet_size>;

// A side's key: its text signs C1 or S1; the full key (the text followed by 32 fixed
// bytes shared by both sides) derives the key that signs C2 or S2.
struct HandshakeKey {
  std::span<const uint8_t> text;
  std::span<const uint8_t> full;
};
extern const HandshakeKey flash_player_key;  // "Genuine Adobe Flash Player 001", 30 + 32 bytes
extern const HandshakeKey media_server_key;  // "Genuine Adobe Flash Media Server 001", 36 + 32 bytes

// Which 764-byte block holds the digest. SRS calls block_at_772 "schema 0" and
// block_at_8 "schema 1"; other code numbers them the other way round, hence the names.
enum class DigestSchema {
  block_at_8,    // digest block first: what ffmpeg, librtmp and nginx-rtmp write
  block_at_772,  // key block first
};

// Position of the 32-byte digest inside the packet under `schema`.
size_t digest_offset(HandshakePacket packet, DigestSchema schema);

struct FoundDigest {
  DigestSchema schema;
  Digest digest;
};

// The digest of a signed C1 or S1 whose signer used `key_text`, under whichever
// schema validates; nullopt if neither does (an unsigned or garbage packet).
std::optional<FoundDigest> find_digest(HandshakePacket packet, std::span<const uint8_t> key_text);

// Signs a C1 or S1 in place: overwrites its 32 bytes at digest_offset(packet, schema)
// with the digest, and returns it (the peer's answer will be keyed with it).
Digest write_digest(MutableHandshakePacket packet, DigestSchema schema, std::span<const uint8_t> key_text);

// Signs a C2 or S2 in place: its last 32 bytes become the signature of the first 1504,
// keyed with HMAC-SHA256(full_key, peer_digest).
void sign_answer(MutableHandshakePacket packet, std::span<const uint8_t> full_key, const Digest& peer_digest);

// Whether a C2 or S2 carries the signature sign_answer() would give it.
bool answer_signed(HandshakePacket packet, std::span<const uint8_t> full_key, const Digest& peer_digest);

}  // namespace relaycast::rtmp
