#pragma once
// Runs an operator's command (autoscale.scale_up_command, ...) through /bin/sh -c,
// with extra environment variables, on the calling thread (never a worker's), and says
// how it ended: exit status or signal, whether it timed out, the start of its stderr.
//
// The command gets its own process group: on timeout the whole group is killed
// (SIGTERM, then SIGKILL), so a cloud CLI's children go with it. It does not inherit
// the server's sockets or files (everything above stderr is closed), so an edge it
// leaves running in the background does not hold the origin's ports. Its stdout is the
// server's (the journal); its stderr is read until it exits, not until the pipe closes,
// so a process it leaves running does not hold the wait (such a process should send
// its output elsewhere: its stderr pipe is closed once the command exits).
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace relaycast::cluster {

struct CommandResult {
  bool started = false;   // false: fork or pipe failed (`error` says why)
  int exit_code = -1;     // when it exited
  int signal = 0;         // when a signal ended it
  bool timed_out = false;
  bool abandoned = false; // the server stopped first; the command was left running
  std::string stderr_head;  // the first kStderrKept bytes
  std::string error;
  int64_t duration_ms = 0;

  static constexpr size_t kStderrKept = 2048;
  bool succeeded() const { return started && !timed_out && !abandoned && signal == 0 && exit_code == 0; }
  // "exit status 0", "killed by signal 9 after the 120 s timeout", ...
  std::string describe() const;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

// Blocks until the command ends, `timeout` passes (then kills its process group) or
// `stop` is requested (then leaves it running).
CommandResult run_shell_command(const std::string& command, const Environment& extra, std::chrono::milliseconds timeout,
                                std::stop_token stop = {});

}  // namespace relaycast::cluster
