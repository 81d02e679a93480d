#pragma once
// One-line descriptions of codec configurations for logs and the API
// ("H.264 High@3.1 1280x720", "AAC LC 48000 Hz stereo").
#include <string>

#include "media/media_packet.hpp"

namespace relaycast {

// Describes a config packet (packet.config); says what could not be parsed if so.
std::string describe_config(const MediaPacket& packet);

}  // namespace relaycast
