// The API's recording switches: the file's text both ways, the errors a hand edit can
// make, and a Recorder that keeps them across a restart.
#include "record/recording_switches.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "../temp_dir.hpp"
#include "record/recorder.hpp"

namespace relaycast::record {
namespace {

using test::TempDir;

TEST(RecordingSwitches, TextRoundTrips) {
  RecordingSwitches switches{.started = {"live/slides", "talks/*"}, .stopped = {"live/cam"}};
  auto parsed = parse_recording_switches(format_recording_switches(switches), "switches");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, switches);
}

TEST(RecordingSwitches, CommentsAndBlankLinesAreSkippedAndTheLaterLineWins) {
  auto parsed = parse_recording_switches("# kept by relaycast\n\n+ live/cam\r\n  - live/cam  \n+ live/x\n", "f");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->started, (std::set<std::string, std::less<>>{"live/x"}));
  EXPECT_EQ(parsed->stopped, (std::set<std::string, std::less<>>{"live/cam"}));
}

TEST(RecordingSwitches, AMalformedLineIsAnErrorNamingFileAndLine) {
  for (const char* text : {"+ live/cam\nrecord live/x\n", "+ live/cam\n+\n", "+ live/cam\n- two words\n"}) {
    auto parsed = parse_recording_switches(text, "/var/lib/relaycast/recording_switches");
    ASSERT_FALSE(parsed) << text;
    EXPECT_TRUE(parsed.error().is(Errc::malformed));
    EXPECT_NE(parsed.error().message().find("/var/lib/relaycast/recording_switches:2: expected"), std::string::npos)
        << parsed.error().message();
  }
}

TEST(RecordingSwitches, AMissingFileIsNoSwitches) {
  TempDir dir;
  auto loaded = load_recording_switches(dir.path / "none");
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_TRUE(loaded->empty());
}

TEST(RecordingSwitches, TheRecorderKeepsThemAcrossARestart) {
  TempDir dir;
  const auto file = dir.path / "state" / "recording_switches";
  RecordConfig config{.enabled = true, .streams = {"live/cam"}, .directory = (dir.path / "rec").string()};
  boost::asio::io_context io;
  {
    Recorder recorder(config, file);
    EXPECT_TRUE(recorder.wanted("live/cam"));
    EXPECT_FALSE(recorder.wanted("live/slides"));
    recorder.start("live/slides", nullptr, io.get_executor());
    recorder.stop("live/cam");
  }  // waits for the writer thread, which wrote the file
  {
    Recorder restarted(config, file);
    EXPECT_TRUE(restarted.wanted("live/slides"));
    EXPECT_FALSE(restarted.wanted("live/cam"));
    restarted.start("live/cam", nullptr, io.get_executor());
  }
  Recorder again(config, file);
  EXPECT_TRUE(again.wanted("live/cam"));
  // Without a file, nothing is kept.
  Recorder forgetful(config);
  forgetful.stop("live/cam");
  EXPECT_FALSE(forgetful.wanted("live/cam"));
  EXPECT_TRUE(Recorder(config).wanted("live/cam"));
}

TEST(RecordingSwitches, ABrokenFileIsIgnoredAndTheConfigDecides) {
  TempDir dir;
  const auto file = dir.path / "recording_switches";
  std::ofstream(file) << "- live/cam\nnonsense\n";
  Recorder recorder(RecordConfig{.enabled = true, .streams = {"live/cam"}, .directory = (dir.path / "rec").string()},
                    file);
  EXPECT_TRUE(recorder.wanted("live/cam"));
}

}  // namespace
}  // namespace relaycast::record
