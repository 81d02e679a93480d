#include "cluster/shell_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/format.h>

extern char** environ;

namespace relaycast::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// The server's environment with `extra` over it, as execve wants it; built before
// fork, since the child of a threaded process may only make async-signal-safe calls.
std::vector<std::string> environment_with(const Environment& extra) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : extra) merged[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : merged) out.push_back(fmt::format("{}={}", name, value));
  return out;
}

void keep(std::string& head, const char* data, size_t n) {
  if (head.size() < CommandResult::kStderrKept) head.append(data, std::min(n, CommandResult::kStderrKept - head.size()));
}

void read_available(int fd, std::string& head) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) return;
    keep(head, buffer, size_t(n));
  }
}

void record_status(CommandResult& r, int status) {
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
}

// SIGTERM to the group, SIGKILL after two seconds; reaps the shell.
void kill_group(pid_t pid, CommandResult& r) {
  ::kill(-pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      record_status(r, status);
      ::kill(-pid, SIGKILL);  // what the shell left behind
      return;
    }
    ::usleep(20000);
  }
  ::kill(-pid, SIGKILL);
  if (::waitpid(pid, &status, 0) == pid) record_status(r, status);
}

}  // namespace

std::string CommandResult::describe() const {
  if (!started) return "not started: " + error;
  if (abandoned) return "left running (the server stopped)";
  std::string how = signal != 0 ? fmt::format("killed by signal {}", signal) : fmt::format("exit status {}", exit_code);
  if (timed_out) how += " after its timeout";
  return how;
}

CommandResult run_shell_command(const std::string& command, const Environment& extra, std::chrono::milliseconds timeout,
                                std::stop_token stop) {
  CommandResult r;
  const auto started = Clock::now();
  const auto env_strings = environment_with(extra);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    r.error = fmt::format("pipe: {}", std::strerror(errno));
    return r;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.error = fmt::format("fork: {}", std::strerror(errno));
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return r;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // What the server set for itself is not the command's: an ignored SIGPIPE (inherited
    // through exec) would turn `cmd | head` into write errors.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close_range(3, ~0U, 0);
    ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  // Also here, so that a kill(-pid) right after the fork finds the group.
  ::setpgid(pid, pid);
  ::close(pipe_fds[1]);
  const int err = pipe_fds[0];
  ::fcntl(err, F_SETFL, ::fcntl(err, F_GETFL) | O_NONBLOCK);
  r.started = true;

  const auto deadline = started + timeout;
  bool pipe_open = true;
  for (;;) {
    int status = 0;
    const pid_t waited = ::waitpid(pid, &status, WNOHANG);
    if (waited == pid) {
      record_status(r, status);
      break;
    }
    if (waited < 0 && errno != EINTR) {
      r.error = fmt::format("waitpid: {} (is SIGCHLD ignored?)", std::strerror(errno));
      break;
    }
    if (stop.stop_requested()) {
      r.abandoned = true;
      break;
    }
    if (Clock::now() >= deadline) {
      r.timed_out = true;
      kill_group(pid, r);
      break;
    }
    if (pipe_open) {
      pollfd p{err, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char buffer[4096];
        const ssize_t n = ::read(err, buffer, sizeof(buffer));
        if (n > 0) keep(r.stderr_head, buffer, size_t(n));
        else if (n == 0) pipe_open = false;  // closed: only the exit is left to wait for
      }
    } else {
      ::usleep(50000);
    }
  }
  read_available(err, r.stderr_head);
  ::close(err);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  return r;
}

}  // namespace relaycast::cluster
