#pragma once
// RTMP 7.1.6 aggregate messages: FLV tags back to back in one message, their
// timestamps relative to the first. Both connection sides split them the same way.
#include <vector>

#include "core/error.hpp"
#include "protocol/rtmp/message.hpp"

namespace relaycast::rtmp {

// The sub-messages of `aggregate` as messages of their own, on its message stream,
// with absolute timestamps; their payloads are slices of the aggregate's, not copies.
Result<std::vector<Message>> split_aggregate(const Message& aggregate);

}  // namespace relaycast::rtmp
