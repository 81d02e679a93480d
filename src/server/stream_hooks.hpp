#pragma once
// What the sessions ask before they let a client publish or play, and tell when it
// stops: the decision interface that src/api implements with webhooks (api::Webhooks)
// and the CLI hands to the server (Server::set_stream_hooks), like the HttpExtension.
// With none set (no [webhooks] configured) the sessions skip all of this.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "server/refusals.hpp"

namespace relaycast {

enum class HookEvent : uint8_t { publish, unpublish, play, stop, record_done };
constexpr std::string_view to_string(HookEvent e) {
  constexpr std::string_view names[] = {"on_publish", "on_unpublish", "on_play", "on_stop", "on_record_done"};
  return names[size_t(e)];
}

// Who a hook is about.
struct HookClient {
  uint64_t client_id = 0;
  std::string protocol;        // "rtmp", "flv", "hls"
  std::string remote_address;  // "127.0.0.1:40000"
  std::string app, name;
  std::string query;  // the publish/play URL's query as the client sent it ("key=...&token=...")
};

// Why a stopped client stopped (on_unpublish, on_stop).
struct HookEnding {
  std::string reason;
  double duration_s = 0;
};

// A finished recording (on_record_done), for the recorder to report when it exists.
struct RecordDone {
  std::string app, name;
  std::string file;  // path of the recording
  double duration_s = 0;
  uint64_t bytes = 0;
};

struct Denial {
  Refusal reason;       // webhook_denied or webhook_unavailable
  std::string message;  // names the hook, its URL and what it answered
};
using Admission = std::expected<void, Denial>;

class StreamHooks {
public:
  virtual ~StreamHooks() = default;
  // Whether a hook is configured for `event`; cheap, asked on every publish and play.
  virtual bool wants(HookEvent event) const = 0;
  // on_publish / on_play: resumes on `executor` with the verdict. Never throws.
  virtual boost::asio::awaitable<Admission> decide(HookEvent event, HookClient client,
                                                   boost::asio::any_io_executor executor) = 0;
  // on_unpublish / on_stop: sent in the background (retried, logged); returns at once.
  virtual void notify(HookEvent event, HookClient client, HookEnding ending, boost::asio::any_io_executor executor) = 0;
  virtual void record_done(RecordDone record, boost::asio::any_io_executor executor) = 0;
};

}  // namespace relaycast
