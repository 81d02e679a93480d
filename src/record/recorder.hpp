#pragma once
// The recordings of a node: which streams are recorded (the config's patterns, and
// streams started or stopped through the API), one recording session per publish, and
// a writer thread that does every file operation, so a slow or full disk never
// stalls a worker. A recording that cannot write stops with its reason in the log,
// the API and the metrics; the live stream goes on.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/config.hpp"
#include "record/recording_switches.hpp"
#include "stream/stream.hpp"

namespace relaycast::record {

// A recording session's state, as the API shows it.
struct RecordingStatus {
  std::string stream;  // "app/name"
  std::string path;    // the file being written (or the last one)
  std::string state;   // "recording", "done", "failed"
  std::string error;   // why it failed
  std::chrono::system_clock::time_point started_at{};
  uint64_t bytes = 0;        // written, all files of the session
  int64_t duration_ms = 0;   // recorded media time, all files
  uint32_t files = 0;
};

// A finished file (on_record_done).
struct RecordedFile {
  std::string stream;
  std::string path;
  uint64_t bytes = 0;
  int64_t duration_ms = 0;
};

class Recorder {
public:
  // `switches_file`: where the API's start/stop switches are kept across restarts
  // (none: they last as long as the process).
  explicit Recorder(RecordConfig config, std::filesystem::path switches_file = {});
  ~Recorder();  // waits for the writer to finish what is queued

  // Records `stream` (one more subscriber, on `executor`) if the config or the API
  // says so. Called for every stream that goes live.
  void attach(const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor);
  bool wanted(const std::string& key) const;

  // The API's run-time switches. start(): record `key` from now on (and now, if
  // `live` is its stream); stop(): no more, and ends the running recording. Both are
  // kept in the switches file.
  void start(const std::string& key, const std::shared_ptr<Stream>& live, boost::asio::any_io_executor executor);
  void stop(const std::string& key);

  // Running recordings, then the last finished or failed ones (newest first).
  std::vector<RecordingStatus> status() const;
  const std::filesystem::path& directory() const { return directory_; }
  // Is `path` being written now?
  bool in_progress(const std::filesystem::path& path) const;

  // Called on the writer thread for each file that is complete.
  void set_on_done(std::function<void(const RecordedFile&)> on_done);

  // For the metrics.
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> syncs{0};  // flushes to disk
  size_t active() const;

  class Session;

private:
  void run(const std::shared_ptr<Stream>& stream, boost::asio::any_io_executor executor);
  void finished(const std::shared_ptr<Session>& session);
  void save_switches_locked();

  const RecordConfig config_;
  const std::filesystem::path directory_;
  const std::filesystem::path switches_file_;
  boost::asio::thread_pool writer_{1};
  mutable std::mutex mutex_;
  RecordingSwitches switches_;  // run-time overrides of the config
  std::vector<std::shared_ptr<Session>> active_;
  std::vector<RecordingStatus> recent_;
  std::function<void(const RecordedFile&)> on_done_;
};

// Does `key` ("app/name") match a pattern ("app/name" or "app/*")?
bool matches_stream_pattern(std::string_view pattern, std::string_view key);

}  // namespace relaycast::record
