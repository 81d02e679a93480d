#pragma once
// Logging: spdlog, one line per event that matters.
#include <string_view>

#include <spdlog/spdlog.h>

namespace relaycast {

// Sets the global level ("trace".."off") and a compact line format.
void init_logging(std::string_view level);

}  // namespace relaycast
