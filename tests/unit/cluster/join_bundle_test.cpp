// The join bundle `relaycast join` takes, and the drop-in it writes from it: what
// comes out is what `relaycast serve` then reads.
#include "cluster/join_bundle.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <unistd.h>

#include "cluster/join_drop_in.hpp"
#include "cluster/join_token.hpp"
#include "core/config.hpp"
#include "server/hmac_signature.hpp"

namespace relaycast::cluster {
namespace {
namespace fs = std::filesystem;

JoinBundle sample() {
  return {.token = sign_join_token("secret", {.expires_unix = 1767225600, .node_id = "edge-7"}),
          .origins = {"rtmp://o1.example:1935", "rtmp://o2.example:1935"},
          .heartbeat_urls = {"http://o1.example:8080"}};
}

std::string refusal(std::string_view text) {
  auto decoded = decode_join_bundle(text);
  if (decoded) {
    ADD_FAILURE() << "accepted " << text;
    return {};
  }
  EXPECT_TRUE(decoded.error().is(Errc::malformed));
  return decoded.error().message();
}

TEST(JoinBundle, RoundTrips) {
  const auto encoded = encode_join_bundle(sample());
  EXPECT_TRUE(encoded.starts_with("rcjoin1."));
  // One shell word: nothing a shell or YAML would split, quote or expand.
  EXPECT_EQ(encoded.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."),
            std::string::npos);
  auto decoded = decode_join_bundle(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, sample());
}

TEST(JoinBundle, RefusesWhatIsNotABundleSayingWhy) {
  EXPECT_NE(refusal("rcj1.123..abc").find("does not start with rcjoin1."), std::string::npos);
  EXPECT_NE(refusal("rcjoin1.***").find("not base64url"), std::string::npos);
  const auto encoded = encode_join_bundle(sample());
  EXPECT_NE(refusal(encoded.substr(0, encoded.size() / 2)).find("cut short"), std::string::npos);
  EXPECT_NE(refusal("rcjoin1." + base64url_encode("[1,2]")).find("JSON object"), std::string::npos);
  EXPECT_NE(refusal("rcjoin1." + base64url_encode(R"({"origins":["rtmp://o:1935"],"heartbeat_urls":["http://o:8080"]})"))
                .find("no join token"),
            std::string::npos);
  const std::string token = sample().token;
  EXPECT_NE(refusal("rcjoin1." + base64url_encode(R"({"token":")" + token + R"(","heartbeat_urls":["http://o:8080"]})"))
                .find("\"origins\""),
            std::string::npos);
  EXPECT_NE(refusal("rcjoin1." + base64url_encode(R"({"token":")" + token +
                                                  R"(","origins":["http://o:1935"],"heartbeat_urls":["http://o:8080"]})"))
                .find("not a rtmp://host:port"),
            std::string::npos);
  EXPECT_NE(refusal("rcjoin1." + base64url_encode(R"({"token":")" + token +
                                                  R"(","origins":["rtmp://o:1935"],"heartbeat_urls":[]})"))
                .find("\"heartbeat_urls\""),
            std::string::npos);
}

TEST(JoinDropIn, IsAnEdgeConfigThatTheServerReads) {
  JoinSettings settings{.bundle = sample(), .node_id = "edge-7", .public_http_url = "http://203.0.113.7:8080"};
  const auto text = render_join_drop_in(settings);
  EXPECT_TRUE(text.starts_with("# Written by `relaycast join`"));
  auto config = parse_config(text, "join.toml");
  ASSERT_TRUE(config) << config.error().message() << "\n" << text;
  EXPECT_EQ(config->cluster.role, "edge");
  EXPECT_EQ(config->cluster.origins, sample().origins);
  EXPECT_EQ(config->cluster.heartbeat_urls, sample().heartbeat_urls);
  EXPECT_EQ(config->cluster.join_token, sample().token);
  EXPECT_EQ(config->cluster.node_id, "edge-7");
  EXPECT_EQ(config->cluster.public_http_url, "http://203.0.113.7:8080");
  EXPECT_EQ(config->cluster.public_rtmp_url, "");
}

TEST(JoinDropIn, WritingItAgainChangesNothing) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("relaycast-join-drop-in-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path config = dir / "relaycast.toml";
  std::ofstream(config) << "[server]\nworkers = 1\n[cluster]\nrole = \"origin\"\n";
  const auto text = render_join_drop_in({.bundle = sample()});
  auto first = write_join_drop_in(config, text);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(*first);
  EXPECT_EQ(join_drop_in_path(config), dir / "conf.d" / "join.toml");
  EXPECT_EQ(fs::status(join_drop_in_path(config)).permissions() & fs::perms::others_all, fs::perms::none);
  auto again = write_join_drop_in(config, text);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto loaded = load_config_file(config);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->server.workers, 1);  // the file's keys stay...
  EXPECT_EQ(loaded->cluster.role, "edge");  // ...and the drop-in's win
  EXPECT_EQ(loaded->cluster.join_token, sample().token);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace relaycast::cluster
