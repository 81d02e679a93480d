#pragma once
// The error a config test expects: parsing must fail, and the message is returned.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/config.hpp"

namespace relaycast::test {

inline std::string error_of(std::string_view toml) {
  auto c = parse_config(toml, "test.toml");
  EXPECT_FALSE(c) << toml;
  return c ? "" : c.error().message();
}

}  // namespace relaycast::test
