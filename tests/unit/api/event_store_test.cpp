#include "api/event_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace relaycast::api {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class EventStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("relaycast-events-{}-{}", ::getpid(), counter_++);
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "state" / "events.json"; }

  fs::path dir_;
  static inline int counter_ = 0;
};

Event meetup() {
  return {"meetup-42", "Meetup #42", {{"camera", "live/cam"}, {"slides", "live/screen"}}, ""};
}

TEST_F(EventStoreTest, CreatedEventsSurviveARestartInOrder) {
  {
    EventStore store(file());
    ASSERT_TRUE(store.load()) << "a missing file is no events";
    EXPECT_TRUE(store.list().empty());
    auto created = store.create(meetup());
    ASSERT_TRUE(created) << created.error().message();
    EXPECT_FALSE(created->created_at.empty());
    ASSERT_TRUE(store.create({"second", "", {{"camera", "live/b"}}, ""}));
  }
  EventStore again(file());
  ASSERT_TRUE(again.load());
  const auto events = again.list();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "meetup-42");
  EXPECT_EQ(events[0].sources, meetup().sources) << "sources keep their order (the layout's)";
  EXPECT_EQ(events[1].id, "second");
  EXPECT_EQ(again.find("meetup-42")->title, "Meetup #42");
}

TEST_F(EventStoreTest, DuplicateIdIsRefusedAndRemoveOfNothingIsNotFound) {
  EventStore store(file());
  ASSERT_TRUE(store.create(meetup()));
  auto again = store.create(meetup());
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(Errc::refused));
  ASSERT_TRUE(store.remove("meetup-42"));
  auto missing = store.remove("meetup-42");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(Errc::not_found));
  EventStore reloaded(file());
  ASSERT_TRUE(reloaded.load());
  EXPECT_TRUE(reloaded.list().empty()) << "the removal was saved";
}

TEST_F(EventStoreTest, BrokenFileSaysWhichAndWhy) {
  fs::create_directories(file().parent_path());
  std::ofstream(file()) << R"({"events": [{"id": "a b", "sources": [{"name": "c", "stream": "live/c"}]}]})";
  EventStore store(file());
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message().find(file().string()), std::string::npos) << loaded.error().message();
  EXPECT_NE(loaded.error().message().find("\"a b\""), std::string::npos) << loaded.error().message();
}

TEST(EventJson, ChecksEveryField) {
  auto ok = event_from_json(json::parse(R"({"id": "x_1", "sources": [{"name": "cam", "stream": "live/cam"}]})"));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->title, "");
  for (const char* bad : {R"([])", R"({"sources": []})", R"({"id": "-x", "sources": [{"name": "a", "stream": "l/a"}]})",
                          R"({"id": "a.b", "sources": [{"name": "a", "stream": "l/a"}]})",
                          R"({"id": "x", "sources": []})", R"({"id": "x", "sources": [{"name": "a"}]})",
                          R"({"id": "x", "sources": [{"name": "a", "stream": "live"}]})",
                          R"({"id": "x", "sources": [{"name": "a", "stream": "live/../x"}]})",
                          R"({"id": "x", "title": 3, "sources": [{"name": "a", "stream": "l/a"}]})"})
    EXPECT_FALSE(event_from_json(json::parse(bad))) << bad;
  const auto round = event_from_json(event_json(meetup()));
  ASSERT_TRUE(round);
  EXPECT_EQ(*round, meetup());
}

}  // namespace
}  // namespace relaycast::api
