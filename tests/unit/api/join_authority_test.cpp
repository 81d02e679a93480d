// Who may heartbeat to a registry: join tokens and node credentials judged alone, the
// rest left to the API's rule; the secret made once and kept.
#include "api/join_authority.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace relaycast::api {
namespace {
namespace fs = std::filesystem;
using Verdict = JoinAuthority::Verdict;

constexpr int64_t kNow = 1767225600;

class JoinAuthorityTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("relaycast-join-authority-{}", ::getpid());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "state" / "join_secret"; }

  fs::path dir_;
};

TEST_F(JoinAuthorityTest, MakesItsSecretAtTheFirstTokenAndKeepsIt) {
  JoinAuthority first("", file());
  ASSERT_TRUE(first.load());
  EXPECT_FALSE(fs::exists(file()));  // nothing written until a token is asked for
  auto token = first.sign({.expires_unix = kNow + 60});
  ASSERT_TRUE(token) << token.error().message();
  ASSERT_TRUE(fs::exists(file()));
  EXPECT_EQ(fs::status(file()).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_EQ(first.judge(*token, "edge-1", "peer", kNow).verdict, Verdict::join_token);

  // After a restart, the same secret: tokens and credentials signed before still hold.
  JoinAuthority restarted("", file());
  ASSERT_TRUE(restarted.load());
  EXPECT_EQ(restarted.judge(*token, "edge-1", "peer", kNow).verdict, Verdict::join_token);
  EXPECT_EQ(restarted.credential_for("edge-1"), first.credential_for("edge-1"));
  EXPECT_EQ(restarted.judge(first.credential_for("edge-1"), "edge-1", "peer", kNow).verdict, Verdict::node_credential);
}

TEST_F(JoinAuthorityTest, AConfiguredSecretIsUsedAndNothingIsWritten) {
  JoinAuthority authority("configured secret", file());
  ASSERT_TRUE(authority.load());
  auto token = authority.sign({.expires_unix = kNow + 60});
  ASSERT_TRUE(token);
  EXPECT_FALSE(fs::exists(file()));
  EXPECT_EQ(authority.describe(), "cluster.join_secret");
  EXPECT_EQ(*token, cluster::sign_join_token("configured secret", {.expires_unix = kNow + 60}));
}

TEST_F(JoinAuthorityTest, JudgesJoinCredentialsAndLeavesTheRestToTheApiRule) {
  JoinAuthority authority("s", file());
  const auto valid = *authority.sign({.expires_unix = kNow + 60});
  EXPECT_EQ(authority.judge("", "edge-1", "peer", kNow).verdict, Verdict::not_join);
  EXPECT_EQ(authority.judge("the-api-token", "edge-1", "peer", kNow).verdict, Verdict::not_join);
  EXPECT_EQ(authority.judge(valid, "edge-1", "peer", kNow).verdict, Verdict::join_token);

  const auto expired = authority.judge(valid, "edge-1", "peer", kNow + 60);
  EXPECT_EQ(expired.verdict, Verdict::refused);
  EXPECT_EQ(expired.reason, "expired");
  const auto forged = authority.judge(cluster::sign_join_token("other", {.expires_unix = kNow + 60}), "edge-1", "p", kNow);
  EXPECT_EQ(forged.verdict, Verdict::refused);
  EXPECT_EQ(forged.reason, "forged");
  const auto malformed = authority.judge("rcj1.soon..abc", "edge-1", "peer", kNow);
  EXPECT_EQ(malformed.verdict, Verdict::refused);
  EXPECT_EQ(malformed.reason, "malformed");
  const auto stolen = authority.judge(authority.credential_for("edge-1"), "edge-2", "peer", kNow);
  EXPECT_EQ(stolen.verdict, Verdict::refused);
  EXPECT_EQ(stolen.reason, "forged");
}

TEST_F(JoinAuthorityTest, WithoutASecretEveryJoinTokenIsRefused) {
  JoinAuthority authority("", file());
  ASSERT_TRUE(authority.load());
  const auto judged = authority.judge(cluster::sign_join_token("guess", {.expires_unix = kNow + 60}), "e", "p", kNow);
  EXPECT_EQ(judged.verdict, Verdict::refused);
  EXPECT_NE(judged.message.find("signed no join tokens"), std::string::npos) << judged.message;
  EXPECT_EQ(authority.credential_for("e"), "");
}

TEST_F(JoinAuthorityTest, AnEmptyKeptSecretStopsTheStart) {
  fs::create_directories(file().parent_path());
  std::ofstream(file()) << "\n";
  JoinAuthority authority("", file());
  auto loaded = authority.load();
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message().find(file().string()), std::string::npos);
}

}  // namespace
}  // namespace relaycast::api
