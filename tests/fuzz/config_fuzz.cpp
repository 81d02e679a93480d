// The TOML config file, as an operator (or a broken deploy script) may write it: any
// text is either a config within every documented range or an error that says why.
#include <string_view>

#include "core/config.hpp"
#include "fuzz_support.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = parse_config(text, "fuzz.toml");
  if (!config) {
    FUZZ_CHECK(!config.error().message().empty());
    return 0;
  }
  FUZZ_CHECK(config->hls.window >= 1);
  FUZZ_CHECK(config->server.workers >= 0);
  return 0;
}
