// What a webhook receiver gets: the documented fields, with the client's query taken
// apart, and nothing that would make the JSON invalid.
#include "api/webhook_body.hpp"

#include <gtest/gtest.h>

namespace relaycast::api {
namespace {

HookOrigin origin() {
  // 2026-11-26T07:00:00.123Z
  return {"node-1", std::chrono::system_clock::time_point(std::chrono::milliseconds(1795676400123))};
}

HookClient viewer() {
  return {.client_id = 42,
          .protocol = "flv",
          .remote_address = "203.0.113.7:51234",
          .app = "live",
          .name = "cam",
          .query = "token=1.ab&lang=en&name=a%20b+c"};
}

TEST(WebhookBody, DescribesTheClient) {
  const auto body = webhook_body(HookEvent::play, viewer(), origin());
  EXPECT_EQ(body["event"], "on_play");
  EXPECT_EQ(body["app"], "live");
  EXPECT_EQ(body["name"], "cam");
  EXPECT_EQ(body["stream"], "live/cam");
  EXPECT_EQ(body["client_id"], 42);
  EXPECT_EQ(body["protocol"], "flv");
  EXPECT_EQ(body["remote_address"], "203.0.113.7:51234");
  EXPECT_EQ(body["query"], "token=1.ab&lang=en&name=a%20b+c");
  EXPECT_EQ(body["params"], nlohmann::json({{"token", "1.ab"}, {"lang", "en"}, {"name", "a b c"}}));
  EXPECT_EQ(body["server_id"], "node-1");
  EXPECT_EQ(body["server_time"], "2026-11-26T07:00:00.123Z");
  EXPECT_FALSE(body.contains("reason"));
}

TEST(WebhookBody, EndingsSayWhyAndHowLong) {
  const HookEnding ending{"the client closed the connection", 12.5};
  const auto body = webhook_body(HookEvent::stop, viewer(), origin(), &ending);
  EXPECT_EQ(body["event"], "on_stop");
  EXPECT_EQ(body["reason"], "the client closed the connection");
  EXPECT_DOUBLE_EQ(body["duration_s"].get<double>(), 12.5);
  EXPECT_EQ(webhook_body(HookEvent::unpublish, viewer(), origin(), &ending)["event"], "on_unpublish");
  EXPECT_EQ(webhook_body(HookEvent::publish, viewer(), origin())["event"], "on_publish");
}

TEST(WebhookBody, RecordDone) {
  const auto body = record_done_body({"live", "cam", "/rec/live/cam-1.flv", 60.0, 1234567}, origin());
  EXPECT_EQ(body["event"], "on_record_done");
  EXPECT_EQ(body["stream"], "live/cam");
  EXPECT_EQ(body["file"], "/rec/live/cam-1.flv");
  EXPECT_EQ(body["bytes"], 1234567);
  EXPECT_DOUBLE_EQ(body["duration_s"].get<double>(), 60.0);
}

TEST(WebhookBody, HostileQueriesStayValidJson) {
  HookClient c = viewer();
  c.query = "a=%ff%fe&b=\x01\xc3&%zz=1&&=v&flag";
  c.name = "ca\xffm";
  const auto body = webhook_body(HookEvent::play, c, origin());
  EXPECT_NO_THROW((void)body.dump());
  EXPECT_EQ(body["params"]["a"], "??");
  EXPECT_EQ(body["params"]["%zz"], "1");
  EXPECT_EQ(body["params"]["flag"], "");
  EXPECT_EQ(body["params"][""], "v");
  EXPECT_EQ(body["name"], "ca?m");
}

TEST(WebhookBody, QueryParams) {
  EXPECT_EQ(query_params(""), nlohmann::json::object());
  EXPECT_EQ(query_params("a=1&a=2"), nlohmann::json({{"a", "2"}}));
  EXPECT_EQ(query_params("k=%41%2f"), nlohmann::json({{"k", "A/"}}));
  EXPECT_EQ(query_params("k=100%"), nlohmann::json({{"k", "100%"}}));
}

}  // namespace
}  // namespace relaycast::api
