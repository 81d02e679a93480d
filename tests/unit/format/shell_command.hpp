#pragma once
// Runs a shell command (ffprobe, in the tests that check what a real player makes of
// our output) and returns its exit status and stdout.
#include <cstdio>
#include <string>

namespace relaycast::test {

struct CommandResult {
  int status = -1;
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char chunk[4096];
  size_t n = 0;
  while ((n = fread(chunk, 1, sizeof chunk, pipe)) > 0) result.output.append(chunk, n);
  result.status = pclose(pipe);
  return result;
}

}  // namespace relaycast::test
