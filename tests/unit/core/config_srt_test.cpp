#include <gtest/gtest.h>

#include "core/config.hpp"

namespace relaycast {
namespace {

TEST(ConfigSrt, DefaultsListenOn9000WithoutEncryption) {
  auto c = parse_config("", "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->srt.enabled);
  EXPECT_EQ(c->srt.port, 9000) << "DESIGN.md defaults";
  EXPECT_EQ(c->srt.latency_ms, 120u);
  EXPECT_EQ(c->srt.passphrase, "");
  EXPECT_TRUE(c->srt.passphrases.empty());
  EXPECT_EQ(c->srt.max_connections, 1000u);
}

TEST(ConfigSrt, EveryKeyCanBeSet) {
  auto c = parse_config(R"(
[srt]
enabled = false
port = 9001
latency_ms = 400
passphrase = "0123456789"
max_connections = 5

[[srt.passphrases]]
app = "venue"
passphrase = "a long secret phrase"
)",
                        "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->srt.enabled);
  EXPECT_EQ(c->srt.port, 9001);
  EXPECT_EQ(c->srt.latency_ms, 400u);
  EXPECT_EQ(c->srt.passphrase, "0123456789");
  EXPECT_EQ(c->srt.max_connections, 5u);
  ASSERT_EQ(c->srt.passphrases.size(), 1u);
  EXPECT_EQ(c->srt.passphrases[0].app, "venue");
  EXPECT_EQ(c->srt.passphrases[0].passphrase, "a long secret phrase");
}

TEST(ConfigSrt, PassphrasesOutsideSrtsLimitsAreRefusedAtStart) {
  // libsrt takes 10 to 79 characters; anything else would fail at the first caller.
  auto short_one = parse_config("[srt]\npassphrase = \"short\"\n", "test.toml");
  ASSERT_FALSE(short_one);
  EXPECT_NE(short_one.error().message().find("srt.passphrase"), std::string::npos) << short_one.error().message();
  EXPECT_NE(short_one.error().message().find("10 to 79"), std::string::npos);
  auto per_app = parse_config("[[srt.passphrases]]\napp = \"live\"\npassphrase = \"x\"\n", "test.toml");
  ASSERT_FALSE(per_app);
  EXPECT_NE(per_app.error().message().find("srt.passphrases"), std::string::npos) << per_app.error().message();
  EXPECT_FALSE(parse_config("[srt]\nlatency_ms = 5\n", "test.toml"));
  EXPECT_FALSE(parse_config("[srt]\nport = 0\n", "test.toml"));
}

}  // namespace
}  // namespace relaycast
