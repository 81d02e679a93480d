// The [relay] section: push rules, and how rtmps:// targets' certificates are checked.
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

TEST(ConfigRelay, TlsVerificationIsOnByDefault) {
  const Config c;
  EXPECT_TRUE(c.relay.tls_verify) << "a platform's ingest URL must be checked unless the operator says otherwise";
  EXPECT_TRUE(c.relay.tls_ca_file.empty());
}

TEST(ConfigRelay, RtmpsPushTargetsWithTheirOwnTlsSettings) {
  auto c = parse_config(R"(
[relay]
tls_verify = true
tls_ca_file = "/etc/relaycast/origin-ca.pem"

[[relay.push]]
app = "live"
url = "rtmps://a.rtmps.youtube.com/live2/KEY"

[[relay.push]]
app = "live"
stream = "cam"
url = "rtmps://127.0.0.1:1936/live/cam"
tls_verify = false

[[relay.push]]
app = "event"
url = "rtmps://private.example/live"
tls_ca_file = "/etc/relaycast/private-ca.pem"
)",
                        "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->relay.tls_verify);
  EXPECT_EQ(c->relay.tls_ca_file, "/etc/relaycast/origin-ca.pem");
  ASSERT_EQ(c->relay.push.size(), 3u);
  EXPECT_EQ(c->relay.push[0].url, "rtmps://a.rtmps.youtube.com/live2/KEY");
  EXPECT_EQ(c->relay.push[0].stream, "*");
  EXPECT_FALSE(c->relay.push[0].tls_verify.has_value()) << "unset: [relay]'s applies";
  EXPECT_EQ(c->relay.push[1].tls_verify, std::optional<bool>(false));
  EXPECT_EQ(c->relay.push[2].tls_ca_file, "/etc/relaycast/private-ca.pem");
}

// The message must say what is wrong and where, without a guess at the cause.
void expect_refused(const std::string& toml, const std::vector<std::string>& said) {
  auto c = parse_config(toml, "test.toml");
  ASSERT_FALSE(c) << toml;
  for (const auto& s : said) EXPECT_NE(c.error().message().find(s), std::string::npos) << c.error().message();
}

TEST(ConfigRelay, BadPushTargetsAreRefusedSayingWhy) {
  expect_refused("[[relay.push]]\napp = \"live\"\nurl = \"http://x/live\"\n",
                 {"test.toml", "line 1", "rtmp://host[:port]/app/name", "rtmps://"});
  expect_refused("[[relay.push]]\nurl = \"rtmps://x/live\"\n", {"line 1", "app ="});
  expect_refused("[[relay.push]]\napp = \"live\"\nurl = \"rtmps://x/live\"\ntls_verify = \"no\"\n",
                 {"line 4", "tls_verify must be true or false"});
  expect_refused("[[relay.push]]\napp = \"live\"\nurl = \"rtmps://x/live\"\ntls_ca_file = 3\n",
                 {"line 4", "tls_ca_file must be a string"});
  expect_refused("[[relay.push]]\napp = \"live\"\nurl = \"rtmps://x/live\"\ntls_verfy = false\n",
                 {"line 4", "unknown key \"tls_verfy\""});
  // On a plain rtmp:// URL there is no certificate to check: a sign of a mistaken URL.
  expect_refused("[[relay.push]]\napp = \"live\"\nurl = \"rtmp://x/live\"\ntls_verify = false\n",
                 {"\"rtmp://x/live\"", "rtmps:// URLs only"});
  expect_refused("[relay]\ntls_verify = 1\n", {"relay.tls_verify", "true or false"});
}

}  // namespace
}  // namespace relaycast
