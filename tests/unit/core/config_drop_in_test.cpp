// conf.d/*.toml next to the config file, read over it in name order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/config.hpp"

namespace relaycast {
namespace {
namespace fs = std::filesystem;

class ConfigDropIns : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("relaycast-drop-ins-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "conf.d");
    write("relaycast.toml", "[rtmp]\nport = 1940\n[cluster]\norigins = [\"rtmp://a:1935\", \"rtmp://b:1935\"]\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path config() const { return dir_ / "relaycast.toml"; }

  fs::path dir_;
};

TEST_F(ConfigDropIns, AreReadOverTheFileInNameOrder) {
  write("conf.d/20-second.toml", "[http]\nport = 8082\n");
  write("conf.d/10-first.toml", "[http]\nport = 8081\n[cluster]\norigins = [\"rtmp://c:1935\"]\n");
  write("conf.d/ignored.toml.disabled", "[http]\nport = 9999\n");
  EXPECT_EQ(config_drop_ins(config()),
            (std::vector<fs::path>{dir_ / "conf.d/10-first.toml", dir_ / "conf.d/20-second.toml"}));
  auto c = load_config_file(config());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->rtmp.port, 1940);
  EXPECT_EQ(c->http.port, 8082);
  EXPECT_EQ(c->cluster.origins, std::vector<std::string>{"rtmp://c:1935"});  // an array is replaced whole
}

TEST_F(ConfigDropIns, AnErrorNamesTheDropIn) {
  write("conf.d/join.toml", "[cluster]\nrole = \"satellite\"\n");
  auto c = load_config_file(config());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("conf.d/join.toml: cluster.role"), std::string::npos) << c.error().message();
}

TEST_F(ConfigDropIns, NoneIsFine) {
  fs::remove_all(dir_ / "conf.d");
  EXPECT_TRUE(config_drop_ins(config()).empty());
  auto c = load_config_file(config());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->http.port, 8080);
}

}  // namespace
}  // namespace relaycast
