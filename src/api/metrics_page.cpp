// GET /metrics: the node and every stream in the Prometheus text format. Names follow
// the Prometheus conventions (base units, _total for counters); per-stream series
// carry the label stream="app/name" and disappear when the stream is gone.
#include <unistd.h>

#include "api/control_plane.hpp"
#include "api/metrics_text.hpp"

namespace relaycast::api {

std::string ControlPlane::render_metrics() {
  const auto node = monitor_.node();
  const auto streams = monitor_.streams();
  MetricsText m;

  m.family("relaycast_build_info", "gauge", "The running version (value 1).");
  m.sample("relaycast_build_info", {{"version", options_.version}}, 1);

  m.family("process_cpu_seconds_total", "counter", "CPU time of the process, user and system.");
  m.sample("process_cpu_seconds_total", node.process.cpu_seconds);
  m.family("process_resident_memory_bytes", "gauge", "Resident memory of the process.");
  m.sample("process_resident_memory_bytes", double(node.process.rss_bytes));
  m.family("process_start_time_seconds", "gauge", "When the process started, in seconds since the Unix epoch.");
  m.sample("process_start_time_seconds",
           double(std::chrono::duration_cast<std::chrono::seconds>(context_.started_at.time_since_epoch()).count()));

  m.family("relaycast_bytes_received_total", "counter", "Bytes received from clients (publishers' media, requests).");
  m.sample("relaycast_bytes_received_total", double(node.bytes_in));
  m.family("relaycast_bytes_sent_total", "counter", "Bytes sent to clients (media, HLS, API answers).");
  m.sample("relaycast_bytes_sent_total", double(node.bytes_out));
  m.family("relaycast_connections", "gauge", "Open client connections (RTMP and HTTP).");
  m.sample("relaycast_connections", double(context_.limiter->open()));

  m.family("relaycast_connections_refused_total", "counter", "Connections, publishes, plays and API requests refused, by reason.");
  m.sample("relaycast_connections_refused_total", {{"reason", to_string(Refusal::max_connections)}},
           double(context_.limiter->refused_by_total()));
  m.sample("relaycast_connections_refused_total", {{"reason", to_string(Refusal::max_connections_per_ip)}},
           double(context_.limiter->refused_by_per_ip()));
  for (size_t i = 2; i < kRefusalKinds; ++i)
    m.sample("relaycast_connections_refused_total", {{"reason", to_string(Refusal(i))}},
             double(context_.refusals.get(Refusal(i))));

  size_t live = 0;
  ViewerCounts viewers;
  std::array<size_t, 3> by_state{};
  for (const auto& s : streams) {
    live += s.live;
    ++by_state[size_t(s.health.state)];
    viewers.rtmp += s.viewers.rtmp;
    viewers.flv += s.viewers.flv;
    viewers.hls += s.viewers.hls;
    viewers.srt += s.viewers.srt;
  }
  m.family("relaycast_streams", "gauge", "Streams being published.");
  m.sample("relaycast_streams", double(live));
  m.family("relaycast_streams_by_health", "gauge", "Listed streams by health (offline ones stay listed a while).");
  for (auto state : {HealthState::healthy, HealthState::degraded, HealthState::offline})
    m.sample("relaycast_streams_by_health", {{"health", to_string(state)}}, double(by_state[size_t(state)]));
  m.family("relaycast_health_changes_total", "counter", "Stream health changes, by the state entered.");
  for (auto state : {HealthState::healthy, HealthState::degraded, HealthState::offline})
    m.sample("relaycast_health_changes_total", {{"health", to_string(state)}}, double(monitor_.health_changes(state)));
  m.family("relaycast_viewers", "gauge", "Viewers by protocol (HLS: distinct clients in the last three target durations).");
  m.sample("relaycast_viewers", {{"protocol", "rtmp"}}, double(viewers.rtmp));
  m.sample("relaycast_viewers", {{"protocol", "flv"}}, double(viewers.flv));
  m.sample("relaycast_viewers", {{"protocol", "hls"}}, double(viewers.hls));
  m.sample("relaycast_viewers", {{"protocol", "srt"}}, double(viewers.srt));

  // Per stream.
  m.family("relaycast_stream_viewers", "gauge", "Viewers of a stream by protocol.");
  for (const auto& s : streams) {
    if (!s.live) continue;
    m.sample("relaycast_stream_viewers", {{"stream", s.key}, {"protocol", "rtmp"}}, double(s.viewers.rtmp));
    m.sample("relaycast_stream_viewers", {{"stream", s.key}, {"protocol", "flv"}}, double(s.viewers.flv));
    m.sample("relaycast_stream_viewers", {{"stream", s.key}, {"protocol", "hls"}}, double(s.viewers.hls));
    m.sample("relaycast_stream_viewers", {{"stream", s.key}, {"protocol", "srt"}}, double(s.viewers.srt));
  }
  m.family("relaycast_stream_received_bytes_total", "counter", "Media bytes received from the stream's publisher.");
  for (const auto& s : streams)
    if (s.live) m.sample("relaycast_stream_received_bytes_total", {{"stream", s.key}}, double(s.bytes_in));
  m.family("relaycast_stream_ingest_bytes_per_second", "gauge", "Media received per second (bitrate / 8) over the last health.measure_ms.");
  for (const auto& s : streams)
    if (s.live && s.health.bitrate_bps)
      m.sample("relaycast_stream_ingest_bytes_per_second", {{"stream", s.key}}, *s.health.bitrate_bps / 8);
  m.family("relaycast_stream_frames_per_second", "gauge", "Video frame rate over the last health.measure_ms.");
  for (const auto& s : streams)
    if (s.live && s.health.fps) m.sample("relaycast_stream_frames_per_second", {{"stream", s.key}}, *s.health.fps);
  m.family("relaycast_stream_keyframe_interval_seconds", "gauge", "Time between the two newest keyframes.");
  for (const auto& s : streams)
    if (s.live && s.keyframe_interval_ms)
      m.sample("relaycast_stream_keyframe_interval_seconds", {{"stream", s.key}}, double(*s.keyframe_interval_ms) / 1000);
  m.family("relaycast_stream_dropped_frames_total", "counter", "Frames skipped for viewers too slow to keep up.");
  for (const auto& s : streams)
    if (s.live) m.sample("relaycast_stream_dropped_frames_total", {{"stream", s.key}}, double(s.frames_dropped));
  m.family("relaycast_stream_uptime_seconds", "gauge", "Time since the stream's publish started.");
  for (const auto& s : streams)
    if (s.live) m.sample("relaycast_stream_uptime_seconds", {{"stream", s.key}}, s.uptime_s);
  m.family("relaycast_stream_health", "gauge", "1 for the stream's health state, 0 for the others.");
  for (const auto& s : streams)
    for (auto state : {HealthState::healthy, HealthState::degraded, HealthState::offline})
      m.sample("relaycast_stream_health", {{"stream", s.key}, {"health", to_string(state)}},
               s.health.state == state ? 1 : 0);
  const auto& recorder = context_.recorder;
  m.family("relaycast_recordings_active", "gauge", "Streams being recorded now.");
  m.sample("relaycast_recordings_active", double(recorder.active()));
  m.family("relaycast_recording_bytes_total", "counter", "Bytes written to recordings.");
  m.sample("relaycast_recording_bytes_total", double(recorder.bytes_written.load()));
  m.family("relaycast_recording_failures_total", "counter",
           "Recordings stopped by an error (disk full, directory not writable, disk too slow).");
  m.sample("relaycast_recording_failures_total", double(recorder.failures.load()));
  m.family("relaycast_recording_syncs_total", "counter",
           "Flushes of recordings to disk: every record.sync_s of media, and at the end of each file.");
  m.sample("relaycast_recording_syncs_total", double(recorder.syncs.load()));
  return m.text();
}

}  // namespace relaycast::api
