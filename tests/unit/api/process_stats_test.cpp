#include "api/process_stats.hpp"

#include <gtest/gtest.h>

namespace relaycast::api {
namespace {

TEST(ProcessStats, ParsesProcStatWithAnAwkwardCommandName) {
  // comm may hold spaces and parentheses; fields count from the last ')'.
  const std::string stat =
      "4242 (relay cast (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 3 0 100 123456789 2560 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto s = parse_proc_stat(stat, 100, 4096);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);
  EXPECT_EQ(s->threads, 3u);
  EXPECT_EQ(s->rss_bytes, 2560u * 4096);
}

TEST(ProcessStats, RejectsWhatIsNotAStatLine) {
  EXPECT_FALSE(parse_proc_stat("", 100, 4096));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2", 100, 4096));
}

TEST(ProcessStats, ReadsItsOwnProcess) {
  const auto s = read_process_stats();
  EXPECT_GT(s.rss_bytes, 1u << 20);
  EXPECT_GE(s.threads, 1u);
}

}  // namespace
}  // namespace relaycast::api
