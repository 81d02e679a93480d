#pragma once
// What the SRT listener's thread tells a connection. libsrt runs its own threads and
// our epoll loop on one more; a connection does its work on its worker (the Stream's
// executor for a publisher), so each of these only posts there and returns at once.
#include <cstdint>
#include <string>
#include <vector>

namespace relaycast {

class SrtConnection {
public:
  virtual ~SrtConnection() = default;
  // Starts the session (publish or play) on its worker.
  virtual void start() = 0;
  // TS bytes the peer sent (publishers).
  virtual void on_received(std::vector<uint8_t> bytes) = 0;
  // The socket takes data again after a send found libsrt's buffer full (players).
  virtual void on_writable() = 0;
  // The peer closed or the connection broke; the socket is closed already.
  virtual void on_closed(std::string why) = 0;
};

}  // namespace relaycast
