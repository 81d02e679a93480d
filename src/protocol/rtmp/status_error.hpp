#pragma once
// Why an RTMP server said no, as error codes a relay can branch on (try the next
// origin, give up, report to the operator). The code string the server sent
// ("NetStream.Play.StreamNotFound") stays in the Error's message.
#include <string_view>
#include <system_error>

namespace relaycast::rtmp {

enum class StatusErrc {
  connect_rejected = 1,  // _error to connect, NetConnection.Connect.Rejected / .Failed
  stream_not_found,      // NetStream.Play.StreamNotFound
  bad_name,              // NetStream.Publish.BadName (often: already being published)
  unauthorized,          // *.Unauthorized, or a rejection that names a key or token
  command_failed,        // _error to createStream, NetStream.Play.Failed, other level "error" statuses
  stream_ended,          // NetStream.Play.UnpublishNotify / .Stop / .Complete, StreamEOF
};

const std::error_category& status_category();
inline std::error_code make_error_code(StatusErrc e) { return {int(e), status_category()}; }

// The StatusErrc a level "error" onStatus (or an _error's info object) code maps to.
StatusErrc classify_status(std::string_view code);

}  // namespace relaycast::rtmp

template <>
struct std::is_error_code_enum<relaycast::rtmp::StatusErrc> : std::true_type {};
