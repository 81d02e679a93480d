#include "protocol/rtmp/handshake_digest.hpp"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace relaycast::rtmp {
namespace {

// Both keys are their text followed by the same 32 bytes.
constexpr uint8_t key_tail[digest_size] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
};

template <size_t N>
constexpr std::array<uint8_t, N - 1 + digest_size> genuine_key(const char (&text)[N]) {
  std::array<uint8_t, N - 1 + digest_size> key{};
  for (size_t i = 0; i + 1 < N; ++i) key[i] = uint8_t(text[i]);
  for (size_t i = 0; i < digest_size; ++i) key[N - 1 + i] = key_tail[i];
  return key;
}

constexpr auto player_key_bytes = genuine_key("Genuine Adobe Flash Player 001");
constexpr auto server_key_bytes = genuine_key("Genuine Adobe Flash Media Server 001");
static_assert(player_key_bytes.size() == 30 + 32);
static_assert(server_key_bytes.size() == 36 + 32);

// Digest blocks are 764 bytes: 4 offset bytes, then 728 places for the 32-byte digest.
constexpr size_t digest_places = 764 - 4 - digest_size;

struct MacFree {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

[[noreturn]] void openssl_failed(const char* step) {
  throw std::runtime_error(std::string("rtmp handshake: OpenSSL cannot compute HMAC-SHA256 (") + step + ")");
}

// HMAC-SHA256 of the concatenated `parts`. Parts, because a packet's digest covers the
// bytes on both sides of the digest itself.
Digest hmac_sha256(std::span<const uint8_t> key,
                   std::initializer_list<std::span<const uint8_t>> parts) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) openssl_failed("fetch HMAC");
  std::unique_ptr<EVP_MAC_CTX, MacFree> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) openssl_failed("new context");
  char sha256[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
      OSSL_PARAM_construct_end(),
  };
  if (!EVP_MAC_init(ctx.get(), key.data(), key.size(), params)) openssl_failed("init");
  for (auto part : parts) {
    if (!EVP_MAC_update(ctx.get(), part.data(), part.size())) openssl_failed("update");
  }
  Digest out;
  size_t written = 0;
  if (!EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) || written != out.size()) {
    openssl_failed("final");
  }
  return out;
}

// The digest of a C1 or S1 whose digest sits at `offset`: the HMAC of everything else.
Digest packet_digest(HandshakePacket packet, size_t offset, std::span<const uint8_t> key_text) {
  return hmac_sha256(key_text, {packet.first(offset), packet.subspan(offset + digest_size)});
}

Digest answer_signature(HandshakePacket packet, std::span<const uint8_t> full_key,
                        const Digest& peer_digest) {
  Digest key = hmac_sha256(full_key, {peer_digest});
  return hmac_sha256(key, {packet.first(handshake_packet_size - digest_size)});
}

constexpr HandshakeKey split_key(std::span<const uint8_t> full) {
  return {full.first(full.size() - digest_size), full};
}

}  // namespace

constinit const HandshakeKey flash_player_key = split_key(player_key_bytes);
constinit const HandshakeKey media_server_key = split_key(server_key_bytes);

size_t digest_offset(HandshakePacket packet, DigestSchema schema) {
  const size_t block = schema == DigestSchema::block_at_8 ? 8 : 8 + 764;
  const size_t sum = size_t(packet[block]) + packet[block + 1] + packet[block + 2] + packet[block + 3];
  return block + 4 + sum % digest_places;
}

std::optional<FoundDigest> find_digest(HandshakePacket packet, std::span<const uint8_t> key_text) {
  for (auto schema : {DigestSchema::block_at_8, DigestSchema::block_at_772}) {
    const size_t offset = digest_offset(packet, schema);
    const Digest expected = packet_digest(packet, offset, key_text);
    if (std::ranges::equal(expected, packet.subspan(offset, digest_size))) {
      return FoundDigest{schema, expected};
    }
  }
  return std::nullopt;
}

Digest write_digest(MutableHandshakePacket packet, DigestSchema schema,
                    std::span<const uint8_t> key_text) {
  const size_t offset = digest_offset(packet, schema);
  const Digest digest = packet_digest(packet, offset, key_text);
  std::ranges::copy(digest, packet.begin() + offset);
  return digest;
}

void sign_answer(MutableHandshakePacket packet, std::span<const uint8_t> full_key,
                 const Digest& peer_digest) {
  const Digest signature = answer_signature(packet, full_key, peer_digest);
  std::ranges::copy(signature, packet.end() - digest_size);
}

bool answer_signed(HandshakePacket packet, std::span<const uint8_t> full_key, const Digest& peer_digest) {
  return std::ranges::equal(answer_signature(packet, full_key, peer_digest), packet.last(digest_size));
}

}  // namespace relaycast::rtmp
