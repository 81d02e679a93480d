#include "api/router.hpp"

#include <gtest/gtest.h>

#include "api/control_plane.hpp"

namespace relaycast::api {
namespace {

TEST(Router, MatchesPatternsAndReturnsParameters) {
  Router router(ControlPlane::routes());
  auto m = router.match("GET", "/api/v1/streams/live/cam");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  const auto& match = std::get<RouteMatch>(m);
  EXPECT_EQ(router.routes()[match.index].pattern, "/api/v1/streams/{app}/{name}");
  EXPECT_EQ(match.params.at("app"), "live");
  EXPECT_EQ(match.params.at("name"), "cam");

  auto del = router.match("DELETE", "/api/v1/clients/42");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(del));
  EXPECT_EQ(std::get<RouteMatch>(del).params.at("id"), "42");
}

TEST(Router, HeadIsGet) {
  Router router(ControlPlane::routes());
  EXPECT_TRUE(std::holds_alternative<RouteMatch>(router.match("HEAD", "/api/v1/server")));
}

TEST(Router, UnknownPathIs404AndWrongMethodSaysWhatIsAllowed) {
  Router router(ControlPlane::routes());
  auto none = router.match("GET", "/api/v1/nothing");
  ASSERT_TRUE(std::holds_alternative<NoRoute>(none));
  EXPECT_FALSE(std::get<NoRoute>(none).path_known);

  auto wrong = router.match("PUT", "/api/v1/streams/live/cam");
  ASSERT_TRUE(std::holds_alternative<NoRoute>(wrong));
  EXPECT_TRUE(std::get<NoRoute>(wrong).path_known);
  EXPECT_EQ(std::get<NoRoute>(wrong).allowed, (std::vector<std::string>{"GET", "DELETE"}));
}

TEST(Router, SegmentsMustMatchExactlyAndParametersAreNotEmpty) {
  EXPECT_FALSE(match_pattern("/api/v1/streams/{app}/{name}", "/api/v1/streams/live"));
  EXPECT_FALSE(match_pattern("/api/v1/streams/{app}/{name}", "/api/v1/streams/live/cam/extra"));
  EXPECT_FALSE(match_pattern("/api/v1/streams/{app}/{name}", "/api/v1/streams//cam"));
  EXPECT_FALSE(match_pattern("/api/v1/streams", "/api/v1/streams/"));
  EXPECT_TRUE(match_pattern("/api/v1/keys/{app}/{name}", "/api/v1/keys/live/*"));
}

}  // namespace
}  // namespace relaycast::api
