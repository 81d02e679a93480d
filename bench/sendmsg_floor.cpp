// The kernel's floor for RTMP-style fan-out on loopback: one process writes a
// 2.5 Mbit/s stream, one write per video frame, to N reader processes, and reports its
// own CPU-ns per delivered byte. No parsing, no framing, no event loop: whatever a
// server spends above this figure is its own; below it nothing user space does helps.
//
// Build and run: g++ -O2 -std=c++20 -o /tmp/sendmsg_floor bench/sendmsg_floor.cpp
//                /tmp/sendmsg_floor [READERS=200] [SECONDS=20] [FPS=30] [KBIT=2500]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double now_seconds() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// A reader like a player: blocking reads into a buffer, thrown away.
[[noreturn]] void read_until_closed(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) _exit(1);
  static char buf[64 * 1024];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  const int readers = argc > 1 ? atoi(argv[1]) : 200;
  const int seconds = argc > 2 ? atoi(argv[2]) : 20;
  const int fps = argc > 3 ? atoi(argv[3]) : 30;
  const int kbit = argc > 4 ? atoi(argv[4]) : 2500;
  signal(SIGPIPE, SIG_IGN);

  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(lfd, 1024) != 0) return perror("listen"), 1;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);

  std::vector<pid_t> children;
  for (int i = 0; i < readers; ++i) {
    pid_t pid = fork();
    if (pid == 0) read_until_closed(port);
    children.push_back(pid);
  }
  std::vector<int> fds;
  for (int i = 0; i < readers; ++i) {
    int fd = accept(lfd, nullptr, nullptr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fds.push_back(fd);
  }

  const size_t frame_bytes = size_t(kbit) * 1000 / 8 / size_t(fps);
  std::vector<char> frame(frame_bytes, 'x');
  const double interval = 1.0 / fps;
  // One second of warm-up, then the measured window.
  double start = now_seconds();
  double cpu0 = 0, t0 = 0;
  unsigned long long bytes = 0;
  bool measuring = false;
  for (long tick = 0;; ++tick) {
    const double due = start + double(tick) * interval;
    for (double t = now_seconds(); t < due; t = now_seconds()) {
      timespec ts{0, long((due - t) * 1e9)};
      nanosleep(&ts, nullptr);
    }
    if (!measuring && due - start >= 1.0) {
      measuring = true;
      cpu0 = cpu_seconds();
      t0 = now_seconds();
    }
    if (measuring && now_seconds() - t0 >= seconds) break;
    for (int fd : fds) {
      ssize_t n = send(fd, frame.data(), frame.size(), 0);
      if (measuring && n > 0) bytes += size_t(n);
    }
  }
  const double cpu = cpu_seconds() - cpu0;
  for (int fd : fds) close(fd);
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  std::printf("readers=%d fps=%d frame_bytes=%zu seconds=%d delivered_mbit_s=%.1f cpu_s=%.3f cpu_ns_per_byte=%.3f\n",
              readers, fps, frame_bytes, seconds, double(bytes) * 8 / 1e6 / seconds, cpu, cpu * 1e9 / double(bytes));
  return 0;
}
