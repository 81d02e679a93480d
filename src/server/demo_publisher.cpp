#include "server/demo_publisher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/log.hpp"

namespace relaycast {
namespace {

constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

}  // namespace

DemoPublisher::DemoPublisher(std::string ffmpeg, std::string url) : ffmpeg_(std::move(ffmpeg)), url_(std::move(url)) {}

DemoPublisher::~DemoPublisher() { stop(); }

std::vector<std::string> DemoPublisher::command() const {
  // The wall clock burned into the picture lets a viewer see the delay at a glance.
  std::string video_filter = "format=yuv420p";
  if (std::filesystem::exists(kFont))
    video_filter = fmt::format(
        "drawtext=fontfile={}:text='relaycast demo %{{localtime\\:%H\\\\\\:%M\\\\\\:%S}}':fontsize=48:fontcolor=white:"
        "box=1:boxcolor=black@0.6:boxborderw=12:x=(w-tw)/2:y=h-th-40,format=yuv420p",
        kFont);
  return {ffmpeg_, "-hide_banner", "-loglevel", "error", "-re",
          "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
          "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
          "-vf", video_filter,
          "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "60", "-b:v", "2500k",
          "-c:a", "aac", "-b:a", "128k",
          "-f", "flv", url_};
}

void DemoPublisher::start() { thread_ = std::thread([this] { supervise(); }); }

void DemoPublisher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_) return;
    stop_ = true;
    if (pid_ > 0) kill(pid_, SIGTERM);
  }
  stopping_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int DemoPublisher::spawn() {
  const auto args = command();
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Dies with the server even if the server is killed with SIGKILL.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

void DemoPublisher::supervise() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      pid_ = spawn();
      if (pid_ < 0) spdlog::error("demo: cannot start {}: {}", ffmpeg_, strerror(errno));
      else spdlog::info("demo: publishing a test pattern to {} (ffmpeg pid {})", url_, pid_);
    }
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
    std::unique_lock lock(mutex_);
    pid_ = -1;
    if (stop_) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      spdlog::error("demo: {} was not found; install ffmpeg (scripts/install-deps.sh)", ffmpeg_);
    else
      spdlog::warn("demo: ffmpeg exited ({}); restarting in 2 s", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    stopping_.wait_for(lock, std::chrono::seconds(2), [this] { return stop_; });
  }
}

}  // namespace relaycast
