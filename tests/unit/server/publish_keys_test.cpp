#include "server/publish_keys.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relaycast {
namespace {

bool mentions(const Error& e, std::string_view part) { return e.message().find(part) != std::string::npos; }

TEST(QueryParam, FindsTheNamedValue) {
  EXPECT_EQ(query_param("key=abc", "key"), "abc");
  EXPECT_EQ(query_param("a=1&key=abc", "key"), "abc");
  EXPECT_EQ(query_param("key=abc&a=1", "key"), "abc");
  EXPECT_EQ(query_param("a=1&key=abc&b=2", "key"), "abc");
}

TEST(QueryParam, AbsentOrEmptyGivesEmpty) {
  EXPECT_EQ(query_param("", "key"), "");
  EXPECT_EQ(query_param("a=1&b=2", "key"), "");
  EXPECT_EQ(query_param("key=", "key"), "");
  EXPECT_EQ(query_param("key", "key"), "") << "a name without '='";
  EXPECT_EQ(query_param("&&", "key"), "");
}

TEST(QueryParam, MatchesWholeNamesOnly) {
  EXPECT_EQ(query_param("keys=1&key=2", "key"), "2");
  EXPECT_EQ(query_param("mykey=1", "key"), "");
  EXPECT_EQ(query_param("ke=1", "key"), "");
  EXPECT_EQ(query_param("KEY=1", "key"), "") << "names are case-sensitive";
}

TEST(QueryParam, ValueKeepsEverythingAfterTheFirstEquals) {
  EXPECT_EQ(query_param("key=a=b", "key"), "a=b");
  EXPECT_EQ(query_param("&key=x&", "key"), "x");
  EXPECT_EQ(query_param("key=1&key=2", "key"), "1") << "the first one wins";
}

TEST(PublishKeys, NoKeysMeansAnyoneMayPublish) {
  PublishKeys keys(std::vector<StreamKey>{});
  EXPECT_TRUE(keys.open());
  EXPECT_TRUE(keys.check("live/cam", ""));
  EXPECT_TRUE(keys.check("live/cam", "key=whatever"));
}

TEST(PublishKeys, ExactStreamNeedsItsKey) {
  PublishKeys keys(std::vector<StreamKey>{{"live/cam", "s3cret"}});
  EXPECT_FALSE(keys.open());
  EXPECT_TRUE(keys.check("live/cam", "key=s3cret"));
  EXPECT_TRUE(keys.check("live/cam", "foo=1&key=s3cret"));
}

TEST(PublishKeys, MissingKeyIsRefusedSayingSo) {
  PublishKeys keys(std::vector<StreamKey>{{"live/cam", "s3cret"}});
  for (const char* query : {"", "foo=1", "key=", "key"}) {
    auto r = keys.check("live/cam", query);
    ASSERT_FALSE(r) << query;
    EXPECT_TRUE(r.error().is(Errc::refused));
    EXPECT_TRUE(mentions(r.error(), "needs a stream key")) << r.error().message();
    EXPECT_TRUE(mentions(r.error(), "live/cam")) << r.error().message();
  }
}

TEST(PublishKeys, WrongKeyIsRefused) {
  PublishKeys keys(std::vector<StreamKey>{{"live/cam", "s3cret"}});
  for (const char* query : {"key=wrong", "key=s3cre", "key=s3cret1", "key=S3CRET", "key=%73%33cret", "key= s3cret"}) {
    auto r = keys.check("live/cam", query);
    ASSERT_FALSE(r) << query;
    EXPECT_TRUE(r.error().is(Errc::refused));
    EXPECT_TRUE(mentions(r.error(), "wrong stream key")) << r.error().message();
    EXPECT_FALSE(mentions(r.error(), "s3cret")) << "never echoes a key: " << r.error().message();
  }
}

TEST(PublishKeys, KeyForAnotherStreamIsRefused) {
  PublishKeys keys(std::vector<StreamKey>{{"live/cam", "s3cret"}, {"live/slides", "other"}});
  auto r = keys.check("live/slides", "key=s3cret");
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "wrong stream key")) << r.error().message();

  auto none = keys.check("live/unlisted", "key=s3cret");
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().is(Errc::refused));
  EXPECT_TRUE(mentions(none.error(), "no stream key is configured for live/unlisted")) << none.error().message();
}

TEST(PublishKeys, AppWildcardCoversEveryStreamOfThatAppOnly) {
  PublishKeys keys(std::vector<StreamKey>{{"event/*", "k"}});
  EXPECT_TRUE(keys.check("event/cam", "key=k"));
  EXPECT_TRUE(keys.check("event/slides", "key=k"));
  EXPECT_FALSE(keys.check("event/cam", "key=x"));
  EXPECT_FALSE(keys.check("live/cam", "key=k"));
  EXPECT_FALSE(keys.check("events/cam", "key=k")) << "the app must match whole, not as a prefix";
  EXPECT_FALSE(keys.check("eventx/cam", "key=k"));
}

TEST(PublishKeys, AnyMatchingEntryMayAdmit) {
  PublishKeys keys(std::vector<StreamKey>{{"event/*", "crew"}, {"event/cam", "camera-op"}});
  EXPECT_TRUE(keys.check("event/cam", "key=crew"));
  EXPECT_TRUE(keys.check("event/cam", "key=camera-op"));
  EXPECT_FALSE(keys.check("event/slides", "key=camera-op"));
  EXPECT_TRUE(keys.check("event/slides", "key=crew"));
}

TEST(PublishKeys, StreamNamesMatchExactly) {
  PublishKeys keys(std::vector<StreamKey>{{"live/cam", "k"}});
  EXPECT_FALSE(keys.check("live/cam2", "key=k"));
  EXPECT_FALSE(keys.check("live/ca", "key=k"));
  EXPECT_FALSE(keys.check("Live/cam", "key=k"));
}

}  // namespace
}  // namespace relaycast
