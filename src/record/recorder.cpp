#include "record/recorder.hpp"

#include <algorithm>
#include <ctime>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.hpp"
#include "record/recording_file.hpp"
#include "record/recording_muxer.hpp"
#include "record/recording_repair.hpp"
#include "stream/subscription.hpp"

namespace relaycast::record {
namespace asio = boost::asio;
namespace {

constexpr size_t kRecentStatuses = 20;

// "2026-11-26T06-30-00Z": sorts by time, and has no ':' (which some file systems and
// URLs do not take).
std::string file_stem(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H-%M-%SZ", &utc);
  return text;
}

}  // namespace

bool matches_stream_pattern(std::string_view pattern, std::string_view key) {
  if (pattern.ends_with("/*")) return key.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == key;
}

// One publish being recorded. The muxer runs on the subscription's executor; the
// files are written on the Recorder's writer thread; the status is shared under a lock.
class Recorder::Session : public std::enable_shared_from_this<Session> {
public:
  Session(Recorder& recorder, std::string key, const RecordConfig& config, asio::any_io_executor executor)
      : recorder_(recorder),
        executor_(std::move(executor)),
        key_(std::move(key)),
        config_(config),
        muxer_(ms_to_ticks(config.fragment_ms),
               [this](const std::string& why) { spdlog::warn("recording {}: {}", key_, why); }) {
    status_.stream = key_;
    status_.state = "recording";
    status_.started_at = std::chrono::system_clock::now();
  }

  const std::string& key() const { return key_; }
  bool stopping() const { return stop_requested_ || failed_; }

  asio::awaitable<void> feed(std::shared_ptr<Subscription> subscription) {
    subscription_ = subscription;
    std::vector<FramePtr> frames;
    while (!stopping() && co_await subscription->read(frames) == ReadStatus::frames) {
      for (const auto& frame : frames)
        for (auto& chunk : muxer_.push(frame->packet)) write(std::move(chunk));
    }
    for (auto& chunk : muxer_.finish()) write(std::move(chunk));
    auto self = shared_from_this();
    asio::post(recorder_.writer_, [self] { self->close_now(); });
  }

  // From any thread: end the recording as soon as the feed sees it.
  void stop() {
    stop_requested_ = true;
    asio::post(executor_, [self = shared_from_this()] {
      if (auto s = self->subscription_.lock()) s->cancel();
    });
  }

  RecordingStatus status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  std::string path() const {
    std::lock_guard lock(mutex_);
    return status_.path;
  }

private:
  void write(RecordingChunk chunk) {
    if (failed_) return;
    const size_t size = chunk.size();
    const size_t queued = queued_bytes_.fetch_add(size) + size;
    if (queued > size_t(config_.max_queue_mb) << 20) {
      queued_bytes_.fetch_sub(size);
      asio::post(recorder_.writer_, [self = shared_from_this(), queued] {
        self->fail(fmt::format("the disk is too slow: {} MB are waiting to be written", queued >> 20));
      });
      failed_ = true;  // stop feeding now; the writer records why
      return;
    }
    asio::post(recorder_.writer_, [self = shared_from_this(), chunk = std::move(chunk), size] {
      self->write_now(chunk);
      self->queued_bytes_.fetch_sub(size);
    });
  }

  // Writer thread from here on.
  void write_now(const RecordingChunk& chunk) {
    if (failed_writing_) return;
    if (chunk.kind == RecordingChunk::Kind::init) {
      init_ = chunk.bytes;
      if (!open_file()) return;
    } else {
      if (!file_.is_open()) return;  // a fragment before any init: nothing to put it in
      if (chunk.keyframe && file_fragments_ > 0 && over_limits()) {
        if (!open_file()) return;
      }
      if (auto ok = file_.append(chunk.bytes); !ok) return fail(ok.error().message());
      ++file_fragments_;
      file_duration_ += chunk.duration;
      unsynced_duration_ += chunk.duration;
      if (config_.sync_s && unsynced_duration_ >= ms_to_ticks(int64_t(config_.sync_s) * 1000)) {
        if (auto ok = file_.sync(); !ok) return fail(ok.error().message());
        recorder_.syncs.fetch_add(1, std::memory_order_relaxed);
        unsynced_duration_ = 0;
      }
    }
    recorder_.bytes_written.fetch_add(chunk.size(), std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    status_.bytes += chunk.size();
    status_.duration_ms += ticks_to_ms(chunk.duration);
  }

  bool over_limits() const {
    return (config_.max_file_mb && file_.size() >= uint64_t(config_.max_file_mb) << 20) ||
           (config_.max_duration_s && file_duration_ >= ms_to_ticks(int64_t(config_.max_duration_s) * 1000));
  }

  // Ends the current file (if any) and starts a new one with the current init.
  bool open_file() {
    close_file();
    const auto [app, name] = split_key();
    if (auto ok = file_.create(recorder_.directory_ / app / name, file_stem(std::chrono::system_clock::now())); !ok) {
      fail(ok.error().message());
      return false;
    }
    if (auto ok = file_.append(init_); !ok) {
      fail(ok.error().message());
      return false;
    }
    spdlog::info("recording {} to {}", key_, file_.path().string());
    std::lock_guard lock(mutex_);
    status_.path = file_.path().string();
    ++status_.files;
    return true;
  }

  void close_file() {
    if (!file_.is_open()) return;
    const RecordedFile done{key_, file_.path().string(), file_.size(), ticks_to_ms(file_duration_)};
    // Durable before on_record_done: its consumer may upload the file and delete it.
    if (auto ok = file_.finish(); ok)
      recorder_.syncs.fetch_add(1, std::memory_order_relaxed);
    else
      spdlog::error("recording {}: {}; the file may lose its end in a power cut", key_, ok.error().message());
    file_fragments_ = 0;
    file_duration_ = 0;
    unsynced_duration_ = 0;
    spdlog::info("recording {}: {} done ({} ms, {} bytes)", key_, done.path, done.duration_ms, done.bytes);
    std::function<void(const RecordedFile&)> on_done;
    {
      std::lock_guard lock(recorder_.mutex_);
      on_done = recorder_.on_done_;
    }
    if (on_done) on_done(done);
  }

  void fail(const std::string& why) {
    failed_ = failed_writing_ = true;
    spdlog::error("recording {} stopped: {} (the live stream goes on)", key_, why);
    recorder_.failures.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex_);
      status_.state = "failed";
      status_.error = why;
    }
    close_file();  // what was written is a playable file
  }

  void close_now() {
    close_file();
    {
      std::lock_guard lock(mutex_);
      if (status_.state == "recording") status_.state = "done";
    }
    recorder_.finished(shared_from_this());
  }

  std::pair<std::string, std::string> split_key() const {
    const auto slash = key_.find('/');
    return {key_.substr(0, slash), key_.substr(slash + 1)};
  }

  Recorder& recorder_;
  const asio::any_io_executor executor_;  // the feed's
  const std::string key_;
  const RecordConfig& config_;
  RecordingMuxer muxer_;                      // feed executor
  std::weak_ptr<Subscription> subscription_;  // feed executor
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> failed_{false};
  std::atomic<size_t> queued_bytes_{0};
  // Writer thread.
  RecordingFile file_;
  std::vector<Buffer> init_;
  uint32_t file_fragments_ = 0;
  int64_t file_duration_ = 0;
  int64_t unsynced_duration_ = 0;  // media appended since the last sync
  bool failed_writing_ = false;

  mutable std::mutex mutex_;
  RecordingStatus status_;
};

Recorder::Recorder(RecordConfig config, std::filesystem::path switches_file)
    : config_(std::move(config)), directory_(config_.directory), switches_file_(std::move(switches_file)) {
  // Files cut short by a crash end in a torn fragment; cut it off so every player
  // reads them. Only at start: nothing is being written or served yet.
  if (config_.enabled) repair_recordings(directory_);
  if (switches_file_.empty()) return;
  auto switches = load_recording_switches(switches_file_);
  if (!switches) {
    spdlog::warn(
        "recordings: ignoring the API's recording switches: {}; fix or remove the file, or start and stop "
        "the recordings again through the API",
        switches.error().message());
    return;
  }
  switches_ = std::move(*switches);
  if (!switches_.empty())
    spdlog::info("recordings: as the API last said (kept in {}): {} more recorded, {} not", switches_file_.string(),
                 switches_.started.size(), switches_.stopped.size());
}

// The workers are gone by now (the server stops them first): a recording still open
// keeps what was written, a playable file.
Recorder::~Recorder() { writer_.join(); }

bool Recorder::wanted(const std::string& key) const {
  std::lock_guard lock(mutex_);
  if (switches_.stopped.contains(key)) return false;
  if (switches_.started.contains(key)) return true;
  if (!config_.enabled) return false;
  return config_.streams.empty() ||
         std::any_of(config_.streams.begin(), config_.streams.end(),
                     [&](const auto& pattern) { return matches_stream_pattern(pattern, key); });
}

void Recorder::attach(const std::shared_ptr<Stream>& stream, asio::any_io_executor executor) {
  if (wanted(stream->key())) run(stream, std::move(executor));
}

void Recorder::run(const std::shared_ptr<Stream>& stream, asio::any_io_executor executor) {
  auto session = std::make_shared<Session>(*this, stream->key(), config_, executor);
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : active_)
      if (s->key() == stream->key() && !s->stopping()) return;  // already recording this publish
    active_.push_back(session);
  }
  asio::co_spawn(executor, session->feed(stream->subscribe(executor)), asio::detached);
}

void Recorder::start(const std::string& key, const std::shared_ptr<Stream>& live, asio::any_io_executor executor) {
  {
    std::lock_guard lock(mutex_);
    switches_.stopped.erase(key);
    switches_.started.insert(key);
    save_switches_locked();
  }
  if (live) run(live, std::move(executor));
}

void Recorder::stop(const std::string& key) {
  std::lock_guard lock(mutex_);
  switches_.started.erase(key);
  switches_.stopped.insert(key);
  save_switches_locked();
  for (const auto& s : active_)
    if (s->key() == key) s->stop();
}

// On the writer thread, like every file operation; posted under the lock, so the
// last change is the one written last.
void Recorder::save_switches_locked() {
  if (switches_file_.empty()) return;
  asio::post(writer_, [file = switches_file_, text = format_recording_switches(switches_)] {
    if (auto ec = replace_file(file, text))
      spdlog::warn(
          "recordings: cannot keep the API's recording switches in {}: {}; after a restart the config "
          "alone decides what is recorded (set server.state_dir)",
          file.string(), ec.message());
  });
}

void Recorder::finished(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  std::erase(active_, session);
  recent_.insert(recent_.begin(), session->status());
  if (recent_.size() > kRecentStatuses) recent_.resize(kRecentStatuses);
}

std::vector<RecordingStatus> Recorder::status() const {
  std::lock_guard lock(mutex_);
  std::vector<RecordingStatus> out;
  for (const auto& s : active_) out.push_back(s->status());
  out.insert(out.end(), recent_.begin(), recent_.end());
  return out;
}

bool Recorder::in_progress(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  return std::any_of(active_.begin(), active_.end(), [&](const auto& s) { return s->path() == path.string(); });
}

size_t Recorder::active() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

void Recorder::set_on_done(std::function<void(const RecordedFile&)> on_done) {
  std::lock_guard lock(mutex_);
  on_done_ = std::move(on_done);
}

}  // namespace relaycast::record
