#include "server/stream_path.hpp"

#include <gtest/gtest.h>

#include <string>

namespace relaycast {
namespace {

TEST(StreamPath, PlainPathSplitsIntoAppNameAndExtension) {
  auto p = parse_stream_path("/live/cam.flv");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->app, "live");
  EXPECT_EQ(p->name, "cam");
  EXPECT_EQ(p->extension, "flv");
  EXPECT_EQ(p->query, "");
  EXPECT_EQ(p->key(), "live/cam");
}

TEST(StreamPath, QueryIsSplitOff) {
  auto p = parse_stream_path("/live/cam.flv?token=x&y=2");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "cam");
  EXPECT_EQ(p->extension, "flv");
  EXPECT_EQ(p->query, "token=x&y=2");

  auto empty = parse_stream_path("/live/cam.flv?");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->query, "");

  auto odd = parse_stream_path("/live/cam.flv?a=/../b?c");
  ASSERT_TRUE(odd) << "the query is not part of the path";
  EXPECT_EQ(odd->key(), "live/cam");
  EXPECT_EQ(odd->query, "a=/../b?c");
}

TEST(StreamPath, NamesMayHoldTheSafeAlphabetAndInnerDots) {
  auto p = parse_stream_path("/Event_2024-01/cam.main-1_B.flv");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->app, "Event_2024-01");
  EXPECT_EQ(p->name, "cam.main-1_B") << "the last dot starts the extension";
  EXPECT_EQ(p->extension, "flv");
}

TEST(StreamPath, OtherExtensionsAreReportedForTheCallerToRoute) {
  auto p = parse_stream_path("/live/cam.m3u8");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension, "m3u8");
}

TEST(StreamPath, HostilePathsAreRefused) {
  for (const char* target : {
           "/live/../etc/passwd.flv",  // climbs out
           "/../live/cam.flv",
           "/live/..%2fetc.flv",
           "/%2e%2e/x.flv",  // percent-encoded dots
           "/live/%2e%2e.flv",
           "/live/.hidden.flv",  // hidden file
           "/.live/cam.flv",
           "/live/..flv",
           "//x.flv",  // empty app
           "/live/.flv",  // empty name
           "/live/a/b.flv",  // too deep
           "/live/a b.flv",  // space
           "/live/a\r\nX-Injected: 1.flv",  // header injection
           "/live/a\0b.flv",
           "/live/caf\xc3\xa9.flv",  // non-ASCII
           "/live/a;b.flv",
           "/live/a\\b.flv",
           "/live/cam",  // no extension
           "/live",
           "/",
           "",
           "live/cam.flv",  // not origin-form
           "http://evil/live/cam.flv",
           "?/live/cam.flv",
       }) {
    EXPECT_FALSE(parse_stream_path(target)) << "\"" << target << "\"";
  }
}

TEST(StreamPath, EmbeddedNulIsRefused) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(parse_stream_path("/live/a\0b.flv"sv));
  EXPECT_FALSE(parse_stream_path("/li\0ve/ab.flv"sv));
}

TEST(StreamPath, NamesUpTo128Characters) {
  const std::string ok(128, 'a'), long_name(129, 'a');
  EXPECT_TRUE(parse_stream_path("/live/" + ok + ".flv"));
  EXPECT_TRUE(parse_stream_path("/" + ok + "/cam.flv"));
  EXPECT_FALSE(parse_stream_path("/live/" + long_name + ".flv"));
  EXPECT_FALSE(parse_stream_path("/" + long_name + "/cam.flv"));
  EXPECT_FALSE(parse_stream_path("/live/" + std::string(100000, 'a') + ".flv"));
}

// The header's contract: "/app/name.ext", "nullopt for anything else". Whatever
// follows the last dot comes back as the extension, so it is held to the same rules.
TEST(StreamPath, ExtensionIsHeldToTheSafeAlphabet) {
  for (const char* target : {"/live/cam.flv/extra", "/live/cam.fl v", "/live/cam.flv\r\nX-Injected: 1"}) {
    auto p = parse_stream_path(target);
    EXPECT_FALSE(p) << "\"" << target << "\" parsed with extension \"" << (p ? p->extension : "") << "\"";
  }
}

TEST(StreamPath, ValidSegment) {
  EXPECT_TRUE(valid_stream_segment("a"));
  EXPECT_TRUE(valid_stream_segment("A-z_0.9"));
  EXPECT_TRUE(valid_stream_segment(std::string(128, 'x')));
  EXPECT_FALSE(valid_stream_segment(std::string(129, 'x')));
  EXPECT_FALSE(valid_stream_segment(""));
  EXPECT_FALSE(valid_stream_segment("."));
  EXPECT_FALSE(valid_stream_segment(".."));
  EXPECT_FALSE(valid_stream_segment(".a"));
  EXPECT_FALSE(valid_stream_segment("a/b"));
  EXPECT_FALSE(valid_stream_segment("a%2e"));
  EXPECT_FALSE(valid_stream_segment("a b"));
  EXPECT_FALSE(valid_stream_segment("a\n"));
  EXPECT_FALSE(valid_stream_segment("\xff"));
}

}  // namespace
}  // namespace relaycast
