#pragma once
// An SRT player: the Stream muxed back into MPEG-TS (the HLS muxer) and sent as SRT
// live messages of 7 TS packets. Runs on its worker in the Subscription's callback
// mode, like the other viewers' pump: frames are taken only while libsrt takes what
// was muxed, so a player that cannot keep up stays behind in the Stream's ring and the
// ring's slow-viewer policy (skip to the newest keyframe, then disconnect) applies.
#include <srt/srt.h>

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "format/mpegts_muxer.hpp"
#include "server/server_context.hpp"
#include "server/srt_connection.hpp"
#include "server/srt_stream_id.hpp"
#include "stream/subscription.hpp"

namespace relaycast {

class SrtListener;

class SrtPlaySession : public SrtConnection, public std::enable_shared_from_this<SrtPlaySession> {
public:
  SrtPlaySession(ServerContext& server, SrtListener& listener, SRTSOCKET socket, boost::asio::any_io_executor executor,
                 std::string address, SrtStreamId id);

  void start() override;
  void on_received(std::vector<uint8_t>) override {}  // a player sends nothing we read
  void on_writable() override;
  void on_closed(std::string why) override;

private:
  void begin(const std::shared_ptr<Stream>& stream);
  void pump();
  void mux(const MediaPacket& packet);
  // Sends what is muxed; false when libsrt's buffer is full (the rest waits).
  bool send();
  void finish(const std::string& why, bool release);

  ServerContext& server_;
  SrtListener& listener_;
  const SRTSOCKET socket_;
  boost::asio::any_io_executor executor_;
  const uint64_t id_;
  const std::string address_;
  const std::string peer_;
  const SrtStreamId stream_id_;
  std::shared_ptr<SessionRegistry::Entry> client_;
  std::shared_ptr<Subscription> subscription_;
  std::unique_ptr<mpegts::TsMuxer> muxer_;
  std::vector<FramePtr> frames_;
  std::vector<uint8_t> out_;  // muxed, not yet sent
  size_t sent_ = 0;           // of out_
  std::optional<int64_t> tables_at_;  // dts of the last PAT/PMT
  uint32_t unsupported_logged_ = 0;
  bool blocked_ = false;
  bool closed_ = false;
};

}  // namespace relaycast
