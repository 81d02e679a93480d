#pragma once
// The SRT listener (UDP, libsrt). One thread runs an SRT epoll loop over the listening
// socket and every connection: it accepts, reads what publishers send and notices
// closed connections, and hands all of it to the connections, which work on the
// workers. Nothing here blocks a worker, and no worker waits for libsrt.
//
// Who may connect is decided in libsrt's listen callback, before the handshake ends:
// the stream id must parse, the connection cap must have room, a publisher's stream
// key must be right, and the app's passphrase (if any) is set on the socket so that a
// caller with another one is turned away by SRT's own key exchange.
#include <srt/srt.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "server/server_context.hpp"
#include "server/srt_connection.hpp"
#include "server/worker_pool.hpp"

namespace relaycast {

class SrtListener {
public:
  SrtListener(ServerContext& server, WorkerPool& workers);
  ~SrtListener();
  SrtListener(const SrtListener&) = delete;
  SrtListener& operator=(const SrtListener&) = delete;

  Result<void> open(const std::string& address, uint16_t port);
  void start();
  // Closes the listener and every connection and joins the thread.
  void stop();

  // For connections, from any thread. Ask for on_writable() once the socket has room.
  void want_writable(SRTSOCKET socket);
  // The connection is done with its socket: forget and close it.
  void release(SRTSOCKET socket);

private:
  static int on_listen(void* self, SRTSOCKET socket, int handshake_version, const sockaddr* peer,
                       const char* stream_id);
  int admit(SRTSOCKET socket, const sockaddr* peer, const char* stream_id);
  void run();
  void accept_all();
  void read_all(SRTSOCKET socket, const std::shared_ptr<SrtConnection>& connection);
  std::shared_ptr<SrtConnection> find(SRTSOCKET socket);
  std::shared_ptr<SrtConnection> forget(SRTSOCKET socket);

  ServerContext& server_;
  WorkerPool& workers_;
  SRTSOCKET socket_ = SRT_INVALID_SOCK;
  int epoll_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<SRTSOCKET, std::shared_ptr<SrtConnection>> connections_;
  std::atomic<size_t> count_{0};  // connections_.size(), read by the listen callback
};

// "127.0.0.1:5000" for logs.
std::string describe(const sockaddr* address);
// The passphrase connections to `app` must use, or empty.
std::string srt_passphrase_for(const SrtConfig& config, std::string_view app);

}  // namespace relaycast
