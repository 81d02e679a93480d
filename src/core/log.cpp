#include "core/log.hpp"

namespace relaycast {

void init_logging(std::string_view level) {
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace relaycast
