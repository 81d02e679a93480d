#include "server/srt_stream_id.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "server/srt_listener.hpp"

namespace relaycast {
namespace {

using Mode = SrtStreamId::Mode;

void expect_id(std::string_view text, Mode mode, std::string_view key, std::string_view query = "") {
  auto id = parse_srt_stream_id(text);
  ASSERT_TRUE(id) << text << ": " << id.error().message();
  EXPECT_EQ(id->mode, mode) << text;
  EXPECT_EQ(id->key(), key) << text;
  EXPECT_EQ(id->query, query) << text;
}

TEST(SrtStreamId, AccessControlForms) {
  expect_id("#!::r=live/cam,m=publish", Mode::publish, "live/cam");
  expect_id("#!::r=live/cam,m=request", Mode::play, "live/cam");
  expect_id("#!::r=live/cam", Mode::play, "live/cam");  // request is the default mode
  expect_id("#!::h=example.com,u=alice,r=live/cam,s=abc,t=stream,m=publish", Mode::publish, "live/cam");
  expect_id("#!::m=publish,r=live/cam?key=K", Mode::publish, "live/cam", "key=K");
  expect_id("#!::r=live/cam,m=publish,key=K", Mode::publish, "live/cam", "key=K");
}

TEST(SrtStreamId, ShortForms) {
  expect_id("publish:live/cam", Mode::publish, "live/cam");
  expect_id("publish:live/cam?key=K&x=1", Mode::publish, "live/cam", "key=K&x=1");
  expect_id("play:live/cam", Mode::play, "live/cam");
  expect_id("read:live/cam", Mode::play, "live/cam");
  expect_id("live/cam", Mode::play, "live/cam");
}

TEST(SrtStreamId, RefusalsSayWhatIsWrong) {
  auto error_of = [](std::string_view text) {
    auto id = parse_srt_stream_id(text);
    EXPECT_FALSE(id) << text;
    return id ? std::string() : id.error().message();
  };
  EXPECT_NE(error_of("").find("no stream id"), std::string::npos);
  EXPECT_NE(error_of("nonsense").find("not app/name"), std::string::npos);
  EXPECT_NE(error_of("#!::r=live/cam,m=bidirectional").find("m=bidirectional is not offered"), std::string::npos);
  EXPECT_NE(error_of("#!::m=publish").find("no resource"), std::string::npos);
  EXPECT_NE(error_of("#!::r=live/cam,junk").find("not key=value"), std::string::npos);
  EXPECT_NE(error_of("publish:live/../etc").find("not a valid stream name"), std::string::npos);
  EXPECT_NE(error_of("publish:live/a/b").find("not a valid stream name"), std::string::npos);
  EXPECT_NE(error_of("publish:/cam").find("not a valid stream name"), std::string::npos);
}

TEST(SrtPassphrase, AnAppsOwnOneOverridesTheDefault) {
  SrtConfig c;
  EXPECT_EQ(srt_passphrase_for(c, "live"), "");
  c.passphrase = "default-phrase";
  c.passphrases = {{"venue", "venue-phrase-1"}};
  EXPECT_EQ(srt_passphrase_for(c, "venue"), "venue-phrase-1");
  EXPECT_EQ(srt_passphrase_for(c, "live"), "default-phrase");
}

}  // namespace
}  // namespace relaycast
