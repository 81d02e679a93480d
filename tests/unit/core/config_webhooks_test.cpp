// The [webhooks] and [play_tokens] sections.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include "config_error.hpp"

namespace relaycast {
namespace {

using test::error_of;

TEST(ConfigWebhooks, DefaultsAreOff) {
  const Config c;
  EXPECT_FALSE(c.webhooks.any());
  EXPECT_EQ(c.webhooks.failure_policy, "deny");
  EXPECT_EQ(c.webhooks.timeout_ms, 2000u);
  EXPECT_EQ(c.webhooks.retries, 3u);
  EXPECT_FALSE(c.play_tokens.required);
  EXPECT_TRUE(c.play_tokens.secret.empty());
}

TEST(ConfigWebhooks, SectionsParse) {
  auto c = parse_config(R"(
[webhooks]
on_publish = "http://127.0.0.1:5000/publish"
on_unpublish = "http://127.0.0.1:5000/unpublish"
on_play = "http://hooks.internal/play"
on_stop = "http://hooks.internal:81/stop?src=relaycast"
on_record_done = "http://hooks.internal/record"
timeout_ms = 500
failure_policy = "allow"
retries = 5
retry_backoff_ms = 200
[play_tokens]
secret = "s3cret"
required = true
)",
                        "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->webhooks.any());
  EXPECT_EQ(c->webhooks.on_publish, "http://127.0.0.1:5000/publish");
  EXPECT_EQ(c->webhooks.on_stop, "http://hooks.internal:81/stop?src=relaycast");
  EXPECT_EQ(c->webhooks.on_record_done, "http://hooks.internal/record");
  EXPECT_EQ(c->webhooks.timeout_ms, 500u);
  EXPECT_EQ(c->webhooks.failure_policy, "allow");
  EXPECT_EQ(c->webhooks.retries, 5u);
  EXPECT_EQ(c->webhooks.retry_backoff_ms, 200u);
  EXPECT_EQ(c->play_tokens.secret, "s3cret");
  EXPECT_TRUE(c->play_tokens.required);
}

TEST(ConfigWebhooks, ErrorsSayWhatIsAllowed) {
  auto e = error_of("[webhooks]\non_play = \"https://hooks.example/play\"\n");
  EXPECT_NE(e.find("webhooks.on_play"), std::string::npos) << e;
  EXPECT_NE(e.find("https is not supported for webhooks; use http://"), std::string::npos) << e;
  e = error_of("[webhooks]\non_publish = \"hooks.example/publish\"\n");
  EXPECT_NE(e.find("is not a URL like \"http://host[:port]/path\""), std::string::npos) << e;
  e = error_of("[webhooks]\nfailure_policy = \"maybe\"\n");
  EXPECT_NE(e.find("\"maybe\" is not one of allow, deny"), std::string::npos) << e;
  e = error_of("[webhooks]\ntimeout_ms = 0\n");
  EXPECT_NE(e.find("webhooks.timeout_ms"), std::string::npos) << e;
  e = error_of("[webhooks]\non_pubish = \"http://x/\"\n");
  EXPECT_NE(e.find("unknown key webhooks.on_pubish"), std::string::npos) << e;
  e = error_of("[play_tokens]\nrequired = true\n");
  EXPECT_NE(e.find("play_tokens.required = true needs play_tokens.secret"), std::string::npos) << e;
}

}  // namespace
}  // namespace relaycast
