#pragma once
// `relaycast serve --demo`: an ffmpeg child publishing a test pattern with a clock and
// a tone, so a newcomer sees a picture at once. Restarted if it dies, stopped (and
// killed with the server, through PR_SET_PDEATHSIG) when the server stops.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace relaycast {

class DemoPublisher {
public:
  DemoPublisher(std::string ffmpeg, std::string url);
  ~DemoPublisher();

  void start();
  void stop();

  // The ffmpeg command line, for logs and tests.
  std::vector<std::string> command() const;

private:
  void supervise();
  int spawn();

  std::string ffmpeg_;
  std::string url_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable stopping_;
  bool stop_ = false;
  int pid_ = -1;
};

}  // namespace relaycast
