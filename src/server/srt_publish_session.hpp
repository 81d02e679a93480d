#pragma once
// An SRT publisher: MPEG-TS from the encoder, demuxed into MediaPackets and pushed to
// its Stream. Everything but the hand-off runs on the session's worker, the Stream's
// publisher executor; the SRT thread only posts the received bytes there.
#include <srt/srt.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "format/mpegts_demuxer.hpp"
#include "media/timestamp_guard.hpp"
#include "server/server_context.hpp"
#include "server/srt_connection.hpp"
#include "server/srt_stream_id.hpp"

namespace relaycast {

class SrtListener;

class SrtPublishSession : public SrtConnection, public std::enable_shared_from_this<SrtPublishSession> {
public:
  SrtPublishSession(ServerContext& server, SrtListener& listener, SRTSOCKET socket,
                    boost::asio::any_io_executor executor, std::string address, SrtStreamId id);

  void start() override;
  void on_received(std::vector<uint8_t> bytes) override;
  void on_writable() override {}
  void on_closed(std::string why) override;

private:
  void begin();
  void consume(const std::vector<uint8_t>& bytes);
  void push_packets();
  void log_problems();
  // Ends the publish (if it began) with a log line; `release` closes the socket too.
  void finish(const std::string& why, bool release);

  ServerContext& server_;
  SrtListener& listener_;
  const SRTSOCKET socket_;
  boost::asio::any_io_executor executor_;
  const uint64_t id_;
  const std::string address_;
  const std::string peer_;  // "srt #3 127.0.0.1:5000", for logs
  const SrtStreamId stream_id_;
  std::shared_ptr<SessionRegistry::Entry> client_;
  std::shared_ptr<Stream> stream_;
  mpegts::TsDemuxer demuxer_;
  TimestampGuard timestamps_;
  std::vector<MediaPacket> packets_;  // reused
  std::chrono::steady_clock::time_point last_problem_log_{};
  uint64_t problems_unlogged_ = 0;
  bool closed_ = false;
};

}  // namespace relaycast
