#pragma once
// The RTMP handshake (RTMP spec 5.2), both sides, as sans-IO state machines: the caller
// feeds the bytes it received, in whatever slices the socket gave them, and sends what
// take_output() returns. Neither side reads a clock or a random source of its own: the
// time field and the random bytes come from the caller, so tests are deterministic.
//
// RTMP 5.2.5, as every implementation orders it:
//   client                      server
//   C0 C1  -------------------->
//          <--------------------  S0 S1 S2   (once C0 and C1 are in)
//   C2     -------------------->
//   chunk stream ...
// C0 and S0 are one version byte; C1, S1, C2 and S2 are 1536 bytes each. The chunk
// stream may arrive in the same read as C2 (or S2), so feed() never consumes past the
// handshake: the caller hands the bytes it did not take to the chunk reader.
//
// Both sides also speak the unspecified digest handshake (see handshake_digest.hpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "protocol/rtmp/handshake_digest.hpp"

namespace relaycast::rtmp {

inline constexpr uint8_t rtmp_version = 3;
inline constexpr size_t handshake_size = 1 + 2 * handshake_packet_size;  // C0 C1 C2, or S0 S1 S2

// Fills its argument with random bytes; must not be empty. The handshake's random bytes
// are not secrets (the digest keys are public), so any seeded generator will do.
using RandomFill = std::function<void(std::span<uint8_t>)>;

class ServerHandshake {
public:
  // `epoch` becomes S1's time field (RTMP 5.2.3): the origin of the timestamps this
  // server will send, in milliseconds. 0 is valid.
  ServerHandshake(uint32_t epoch, RandomFill random);

  // Takes bytes of C0, C1 and C2, never any past the end of C2, and returns how many it
  // took. Fails (and keeps failing) with Errc::unsupported if C0 asks for a version
  // other than 3.
  Result<size_t> feed(std::span<const uint8_t> bytes);

  // S0+S1+S2, all at once when C1 is in; then nothing.
  std::vector<uint8_t> take_output() { return std::exchange(output_, {}); }

  // C2 is in: the next byte from the client starts the chunk stream.
  bool done() const { return stage_ == Stage::done; }

  // C1 was signed, so S1 and S2 are (the digest handshake); false for the plain one.
  bool signed_handshake() const { return signed_; }

private:
  enum class Stage { c0, c1, c2, done };

  void answer_c1();

  uint32_t epoch_;
  RandomFill random_;
  Stage stage_ = Stage::c0;
  std::vector<uint8_t> c1_;
  size_t c2_received_ = 0;  // C2 is not checked (clients fill it differently), only counted
  std::vector<uint8_t> output_;
  std::optional<Error> error_;
  bool signed_ = false;
};

// The client side, for pulling from an origin.
class ClientHandshake {
public:
  enum class Mode {
    plain,   // unsigned C1, as librtmp sends it
    digest,  // signed C1, as Flash Player and ffmpeg send it; some servers require it
  };

  // Queues C0+C1 at once: take_output() returns them before anything is fed. `epoch`
  // becomes C1's time field.
  ClientHandshake(Mode mode, uint32_t epoch, RandomFill random);

  // Takes bytes of S0, S1 and S2, never any past the end of S2, and returns how many it
  // took. Fails (and keeps failing) with Errc::unsupported if S0 is not version 3.
  Result<size_t> feed(std::span<const uint8_t> bytes);

  // C0+C1 first, then C2 as soon as S1 is in.
  std::vector<uint8_t> take_output() { return std::exchange(output_, {}); }

  // S2 is in (and C2 was queued): the next byte from the server starts the chunk stream.
  bool done() const { return stage_ == Stage::done; }

  // S2 shows the server read our C1: it signs it (digest) or echoes it (plain). Only
  // informational: servers differ, so a mismatch does not fail the handshake.
  bool server_verified() const { return server_verified_; }

private:
  enum class Stage { s0, s1, s2, done };

  void answer_s1();
  void check_s2();

  RandomFill random_;
  Stage stage_ = Stage::s0;
  std::vector<uint8_t> c1_;  // kept to check S2 against
  std::optional<Digest> c1_digest_;
  std::vector<uint8_t> s1_;
  std::optional<Digest> s1_digest_;
  std::vector<uint8_t> s2_;
  std::vector<uint8_t> output_;
  std::optional<Error> error_;
  bool server_verified_ = false;
};

}  // namespace relaycast::rtmp
