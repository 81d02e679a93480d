#include "api/key_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace relaycast::api {
namespace {
namespace fs = std::filesystem;

class KeyStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("relaycast-keys-{}-{}", ::getpid(), counter_++);
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "state" / "keys.json"; }

  fs::path dir_;
  static inline int counter_ = 0;
};

TEST_F(KeyStoreTest, AddedKeysPublishAndSurviveARestart) {
  PublishKeys target({});
  {
    KeyStore store(file(), {{"live/cfg", "config-key"}}, target);
    ASSERT_TRUE(store.load());
    EXPECT_TRUE(target.check("live/cfg", "key=config-key"));
    ASSERT_TRUE(store.add("live/cam", "api-key-123"));
    EXPECT_TRUE(target.check("live/cam", "key=api-key-123"));
    EXPECT_TRUE(target.check("live/cfg", "key=config-key")) << "the config's keys stay";
  }
  PublishKeys restarted({});
  KeyStore again(file(), {}, restarted);
  ASSERT_TRUE(again.load());
  EXPECT_TRUE(restarted.check("live/cam", "key=api-key-123"));
  const auto listed = again.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].source, "api");
  EXPECT_FALSE(listed[0].created_at.empty());
  EXPECT_EQ(fs::status(file()).permissions() & fs::perms::others_read, fs::perms::none) << "it holds secrets";
}

TEST_F(KeyStoreTest, RemoveSaysWhyItCannot) {
  PublishKeys target({});
  KeyStore store(file(), {{"live/cfg", "config-key"}}, target);
  ASSERT_TRUE(store.load());
  ASSERT_TRUE(store.add("live/cam", "api-key-123"));
  EXPECT_TRUE(store.add("live/cam", "api-key-123").error().is(Errc::refused)) << "duplicate";
  EXPECT_TRUE(store.remove("live/cfg", "").error().is(Errc::refused)) << "config keys are removed in the file";
  EXPECT_TRUE(store.remove("live/none", "").error().is(Errc::not_found));
  EXPECT_EQ(store.remove("live/cam", "").value(), 1u);
  EXPECT_FALSE(target.check("live/cam", "key=api-key-123"));
}

TEST_F(KeyStoreTest, ACorruptFileStopsTheStartWithTheFileNamed) {
  fs::create_directories(file().parent_path());
  std::ofstream(file()) << "{ not json";
  PublishKeys target({});
  KeyStore store(file(), {}, target);
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message().find(file().string()), std::string::npos) << loaded.error().message();
}

TEST(KeyValidation, StreamsAndSecrets) {
  EXPECT_TRUE(valid_key_stream("live/cam"));
  EXPECT_TRUE(valid_key_stream("live/*"));
  EXPECT_FALSE(valid_key_stream("live"));
  EXPECT_FALSE(valid_key_stream("live/../x"));
  EXPECT_FALSE(valid_key_stream("*/cam"));
  EXPECT_TRUE(valid_key_secret("abcdefgh"));
  EXPECT_FALSE(valid_key_secret("short"));
  EXPECT_FALSE(valid_key_secret("has space in it"));
  EXPECT_FALSE(valid_key_secret("a&b=c?de"));
  EXPECT_EQ(generate_key().size(), 32u);
  EXPECT_NE(generate_key(), generate_key());
}

}  // namespace
}  // namespace relaycast::api
