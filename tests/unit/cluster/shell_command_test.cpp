// Operator commands through /bin/sh: exit status, environment, the start of stderr, a
// timeout that kills the whole process group, and a background child that does not
// hold the wait.
#include "cluster/shell_command.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace relaycast::cluster {
namespace {
using namespace std::chrono_literals;

TEST(ShellCommand, ExitStatusAndEnvironmentAndStderr) {
  auto r = run_shell_command("echo \"$RELAYCAST_SCALE_ACTION x$RELAYCAST_SCALE_COUNT\" >&2; exit 3",
                             {{"RELAYCAST_SCALE_ACTION", "up"}, {"RELAYCAST_SCALE_COUNT", "2"}}, 5s);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.stderr_head, "up x2\n");
  EXPECT_EQ(r.describe(), "exit status 3");
  EXPECT_TRUE(run_shell_command("test \"$HOME\" = \"$HOME\" && true", {}, 5s).succeeded());
}

TEST(ShellCommand, KeepsOnlyTheStartOfStderr) {
  auto r = run_shell_command("head -c 100000 /dev/zero | tr '\\0' x >&2", {}, 5s);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stderr_head.size(), CommandResult::kStderrKept);
}

TEST(ShellCommand, TimeoutKillsTheProcessGroup) {
  const auto started = std::chrono::steady_clock::now();
  auto r = run_shell_command("sleep 30 & sleep 30", {}, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.signal, 15);  // SIGTERM to the group
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(ShellCommand, BackgroundChildDoesNotHoldTheWait) {
  // What a launch script that starts an edge on this host does: the shell exits at
  // once, its child keeps the stderr pipe open.
  const auto started = std::chrono::steady_clock::now();
  auto r = run_shell_command("sleep 5 & echo launched >&2", {}, 10s);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stderr_head, "launched\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(ShellCommand, StopLeavesTheCommandRunning) {
  std::stop_source stop;
  stop.request_stop();
  auto r = run_shell_command("sleep 1", {}, 10s, stop.get_token());
  EXPECT_TRUE(r.abandoned);
  EXPECT_FALSE(r.succeeded());
}

}  // namespace
}  // namespace relaycast::cluster
