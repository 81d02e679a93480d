#pragma once
// Everything an operator can set, with the defaults `relaycast serve` runs on when no
// file is given. A TOML file overrides any key; command-line flags override the file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace relaycast {

struct ServerConfig {
  std::string bind = "0.0.0.0";
  int workers = 0;  // 0: one per core
  std::string log_level = "info";
  uint32_t max_connections = 10000;
  uint32_t max_connections_per_ip = 2000;  // generous: a venue or an office NATs many viewers
  // Where run-time state (stream keys added through the API) is kept. Empty: the
  // first of $STATE_DIRECTORY, $XDG_STATE_HOME/relaycast, ~/.local/state/relaycast.
  std::string state_dir;

  bool operator==(const ServerConfig&) const = default;
};

struct RtmpConfig {
  bool enabled = true;
  uint16_t port = 1935;
  uint32_t chunk_size = 60000;  // what we send with; large chunks mean fewer headers per frame
  uint32_t max_message_size = 8 * 1024 * 1024;
  uint32_t max_chunk_size = 16 * 1024 * 1024;
  uint32_t window_ack_size = 2500000;
  uint32_t handshake_timeout_ms = 10000;
  uint32_t idle_timeout_ms = 30000;  // a publisher that sends nothing for this long is dropped
  uint32_t send_timeout_ms = 10000;  // a viewer whose socket takes no bytes for this long is dropped

  bool operator==(const RtmpConfig&) const = default;
};

struct HttpConfig {
  bool enabled = true;
  uint16_t port = 8080;
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t header_timeout_ms = 10000;  // whole request head, against slowloris
  uint32_t send_timeout_ms = 10000;
  std::string cors_origin = "*";

  bool operator==(const HttpConfig&) const = default;
};

// RTMPS and HTTPS: with a certificate, TLS listeners that decrypt and hand each
// client to the plain RTMP or HTTP side (same streams, same API).
struct TlsConfig {
  std::string certificate;  // PEM file (the chain, leaf first); empty: no TLS listeners
  std::string private_key;  // PEM file; empty: the certificate file holds it too
  uint16_t rtmps_port = 1936;  // 0: no RTMPS
  uint16_t https_port = 8443;  // 0: no HTTPS
  uint32_t handshake_timeout_ms = 10000;

  bool operator==(const TlsConfig&) const = default;
};

// One [[srt.passphrases]]: SRT connections to streams of `app` must use this
// passphrase (AES encryption), whatever they publish or play.
struct SrtPassphrase {
  std::string app;
  std::string passphrase;  // 10 to 79 characters (libsrt's limits)

  bool operator==(const SrtPassphrase&) const = default;
};

// [srt]: the SRT listener (UDP). Publish and play are told apart by the stream id
// (`publish:app/name`, `#!::r=app/name,m=publish`, ...; see README).
struct SrtConfig {
  bool enabled = true;
  uint16_t port = 9000;
  uint32_t latency_ms = 120;  // SRTO_LATENCY: the receiver's buffer for retransmissions
  std::string passphrase;     // for every app without its own; empty: no encryption asked
  std::vector<SrtPassphrase> passphrases;
  uint32_t max_connections = 1000;

  bool operator==(const SrtConfig&) const = default;
};

struct StreamConfig {
  uint32_t max_streams = 1000;
  bool takeover = false;  // a second publisher of a live name replaces the first
  uint64_t max_ring_bytes = 64 * 1024 * 1024;
  uint32_t max_viewer_lag_ms = 4000;
  uint32_t max_skips_per_minute = 4;
  uint32_t max_timestamp_backstep_ms = 1000;  // per track; beyond it the publisher is dropped
  // Audio waits up to this long for the next video frame so both go out in one write
  // to each viewer; video is never held. 0 sends every packet at once. 40 covers the
  // frame interval of 25 fps and up: at 20, a 30 fps stream took 45 writes a second
  // per viewer instead of 30.
  uint32_t write_batch_ms = 40;
  // SO_SNDBUF of viewer sockets; 0 leaves it to the kernel's autotuning. With a bound,
  // a viewer that stops reading is found out (send_timeout_ms) after this much
  // instead of after the kernel's several megabytes.
  uint32_t viewer_send_buffer_bytes = 0;

  bool operator==(const StreamConfig&) const = default;
};

struct HlsConfig {
  bool enabled = true;
  uint32_t segment_ms = 2000;   // target; segments are cut at the first keyframe after it
  uint32_t part_ms = 334;       // LL-HLS partial segment target (10 frames at 30 fps)
  uint32_t window = 6;          // segments listed in a playlist
  uint32_t force_cut_ms = 6000; // a segment with no keyframe for this long is cut anyway
  uint32_t block_timeout_ms = 6000;  // longest a blocking playlist or part request waits
  uint32_t linger_ms = 60000;   // how long a stopped stream's playlist stays for a restart
  std::string directory;        // if set, classic HLS is also written to directory/app/name/

  bool operator==(const HlsConfig&) const = default;
};

// Recording of live streams to fragmented MP4 (crash-safe: a fragment at each keyframe
// or every fragment_ms, so a crash loses at most the last one).
struct RecordConfig {
  bool enabled = false;
  // Streams to record: "app/name" or "app/*"; empty records every stream. The API can
  // start and stop the recording of a stream at run time as well.
  std::vector<std::string> streams;
  std::string directory = "recordings";  // files under directory/app/name/
  uint32_t fragment_ms = 1000;          // longest fragment: the most a crash can lose
  uint32_t max_file_mb = 0;             // 0: no limit; else a new file at the next keyframe past it
  uint32_t max_duration_s = 0;          // 0: no limit; else a new file at the next keyframe past it
  uint32_t max_queue_mb = 64;           // written data waiting for a slow disk; past it, recording stops
  // Media seconds between flushes to disk (fdatasync): the most a power cut can lose;
  // 0 flushes only when a file ends. A file that ends is always flushed, its directory too.
  uint32_t sync_s = 5;

  bool operator==(const RecordConfig&) const = default;
};

struct StreamKey {
  std::string stream;  // "app/name", or "app/*" for every stream of an app
  std::string key;

  bool operator==(const StreamKey&) const = default;
};

struct AuthConfig {
  std::vector<StreamKey> publish_keys;

  bool operator==(const AuthConfig&) const = default;
};

struct DemoConfig {
  bool enabled = false;
  std::string stream = "live/demo";
  std::string ffmpeg = "ffmpeg";

  bool operator==(const DemoConfig&) const = default;
};

// Stream health (api::StreamMonitor, stream::HealthClassifier): when a stream is
// reported `degraded` or `offline`. Applied live on reload.
struct HealthConfig {
  uint32_t measure_ms = 3000;          // fps and bitrate are measured over this window...
  uint32_t baseline_ms = 30000;        // ...and compared with their average over this one before it
  double min_fps_ratio = 0.75;         // degraded below this share of the recent average fps
  double min_bitrate_ratio = 0.5;      // degraded below this share of the recent average bitrate
  uint32_t max_keyframe_interval_ms = 10000;
  uint32_t max_timestamp_jump_ms = 1000;  // timestamps moving this much more (or less) than the wall clock
  uint32_t max_av_drift_ms = 1000;        // newest audio and video timestamps further apart than this
  uint32_t max_arrival_gap_ms = 2000;     // nothing arrived for this long, then data again
  uint32_t offline_after_ms = 5000;       // nothing arrived for this long: offline
  uint32_t recover_ms = 5000;             // a degraded stream is healthy again after this long without a problem
  uint32_t offline_linger_ms = 60000;     // a stopped stream stays listed (offline) this long

  bool operator==(const HealthConfig&) const = default;
};

// The REST API (/api/v1) and /metrics on the HTTP port.
struct ApiConfig {
  bool enabled = true;
  // With a token every request needs "Authorization: Bearer <token>"; without one the
  // API answers only to loopback peers.
  std::string token;
  // Empty: <server.state_dir>/keys.json.
  std::string keys_file;

  bool operator==(const ApiConfig&) const = default;
};

struct MetricsConfig {
  bool enabled = true;
  // false: /metrics is open to any scraper (it holds no secrets); true: the API's rule.
  bool auth = false;

  bool operator==(const MetricsConfig&) const = default;
};

// [web]: the dashboard (/), the players (/watch/..., /event/...) and their files
// (/web/...), built into the binary from web/.
struct WebConfig {
  bool enabled = true;
  // Set: files are read from this folder first (web/ of a checkout, for development:
  // edit and reload the page); what it lacks still comes from the binary.
  std::string directory;

  bool operator==(const WebConfig&) const = default;
};

// [cluster]: this node's part in an origin/edge deployment (DESIGN.md, Cluster).
struct ClusterConfig {
  std::string role = "origin";       // "origin" takes ingest; "edge" pulls from origins on demand
  std::vector<std::string> origins;  // rtmp://host:port of the nodes an edge pulls from, tried in order
  uint32_t play_wait_ms = 5000;      // a viewer of a stream not here yet waits this long for the pull
  uint32_t idle_timeout_ms = 30000;  // a pull with no viewers (and no HLS requests) this long stops
  uint32_t connect_timeout_ms = 3000;  // TCP connect, handshake and play/publish start, per origin
  uint32_t stall_timeout_ms = 3000;  // an origin that sends no media this long is left for the next
  uint32_t backoff_min_ms = 250;     // the wait after a failed attempt, doubled each time...
  uint32_t backoff_max_ms = 5000;    // ... up to this, with random jitter
  uint32_t max_attempts = 8;         // failed attempts in a row before a pulled stream ends
  bool forward_publish = true;       // an edge passes a publish on to an origin (else refuses it)

  // Node registry and balancer (src/cluster).
  std::string node_id;               // how this node is listed; empty: <hostname>:<http.port>
  // Where the registry is: "" (an origin embeds one; an edge has none), "embedded",
  // "none", or "redis://host:port[/db]" (shared by several origins, and by edges that
  // ask it where a stream is).
  std::string registry;
  std::vector<std::string> heartbeat_urls;  // http://origin:8080 of the registries this node heartbeats to
  std::string registry_token;        // bearer token for heartbeat_urls; empty: api.token
  // Join tokens (cluster/join_token.hpp). On a node with a registry: the HMAC-SHA256 key
  // that signs join tokens and node credentials; empty: one is generated once and kept
  // in <server.state_dir>/join_secret. Origins sharing a Redis registry need the same.
  std::string join_secret;
  // On an edge (written by `relaycast join`): the join token its heartbeats carry until
  // the registry answers with a node credential (kept in <server.state_dir>).
  std::string join_token;
  uint32_t heartbeat_ms = 1000;      // how often this node reports its load
  uint32_t down_after_ms = 5000;     // a node with no heartbeat for this long gets no viewers
  uint32_t capacity = 1000;          // viewers this node is sized for; 0: never sent viewers by the balancer
  std::string public_rtmp_url;       // rtmp://host:port viewers are sent to; empty: from server.bind and rtmp.port
  std::string public_http_url;       // http://host:port likewise
  // RTMP players connecting to app "<balance_app>/<app>" are redirected (connect
  // rejected with ex.redirect, as FMS/Wowza do) to the least-loaded node's
  // rtmp://host:port/<app>; empty: off.
  std::string balance_app = "balance";

  bool operator==(const ClusterConfig&) const = default;
};

// [autoscale]: the node hosting the registry (an origin) adds and removes edges by
// running the operator's commands (cluster/autoscaler.hpp). Load is the cluster's
// viewers (or egress) over the capacity of the nodes that take viewers.
struct AutoscaleConfig {
  bool enabled = false;
  std::string metric = "viewers";          // "viewers" (over cluster.capacity) or "egress" (over egress_capacity_bps)
  uint64_t egress_capacity_bps = 1000000000;  // what one node can send, for metric = "egress"
  double target_load = 0.7;                // the load scaling aims for, per node
  double scale_up_at = 0.85;               // above this, edges are added to come back to target_load
  double scale_down_at = 0.4;              // below this, one edge is drained if the rest stay at or under target
  uint32_t min_edges = 0;
  uint32_t max_edges = 10;                 // edges up or launched, not counting drained ones
  uint32_t scale_up_cooldown_s = 120;      // after a launch, no other launch for this long
  uint32_t scale_down_cooldown_s = 300;    // after any action, no drain for this long
  uint32_t evaluate_ms = 5000;             // how often the load is looked at
  uint32_t launch_timeout_s = 300;         // a launched edge counts as coming this long before it heartbeats
  uint32_t drain_timeout_s = 600;          // a drained edge is removed when its viewers are gone, or after this
  uint32_t command_timeout_s = 120;        // a scale command still running after this is killed
  std::string scale_up_command;            // run by /bin/sh with RELAYCAST_SCALE_* variables
  std::string scale_down_command;

  bool operator==(const AutoscaleConfig&) const = default;
};

// One [[relay.push]]: what is published as app/stream here is also pushed to url.
struct PushTarget {
  std::string app;
  std::string stream = "*";  // a name, or "*" for every stream of the app
  std::string url;           // rtmp://host[:port]/app/name or rtmps://host[:port]/app/name (port 443)
  // rtmps:// only: this target's own [relay] tls_verify / tls_ca_file; unset/empty: [relay]'s.
  std::optional<bool> tls_verify;
  std::string tls_ca_file;

  bool operator==(const PushTarget&) const = default;
};

struct RelayConfig {
  std::vector<PushTarget> push;
  // rtmps:// push targets and origins (cluster.origins): the server's certificate must
  // chain to a trusted CA and name the URL's host (what a public platform's ingest
  // needs). false: any certificate is taken (self-signed test setups; no protection
  // against a man in the middle).
  bool tls_verify = true;
  // PEM file of the CA certificates trusted instead of the system's store (a private
  // origin's own CA, or a self-signed certificate itself); empty: the system's store.
  std::string tls_ca_file;

  bool operator==(const RelayConfig&) const = default;
};

// [webhooks]: HTTP POSTs with a JSON body to an operator's service (api::Webhooks).
// on_publish and on_play decide: a non-2xx answer refuses the client. on_unpublish,
// on_stop and on_record_done only notify, with retries. An empty URL: no hook.
struct WebhooksConfig {
  std::string on_publish, on_unpublish, on_play, on_stop, on_record_done;  // http://host[:port]/path
  uint32_t timeout_ms = 2000;          // per attempt: connect, send, answer
  std::string failure_policy = "deny"; // a deciding hook that times out or cannot be reached: "allow" or "deny"
  uint32_t retries = 3;                // notify-only hooks: attempts after the first failed one...
  uint32_t retry_backoff_ms = 1000;    // ... waiting this long before the first retry, doubling each time

  bool any() const {
    return !on_publish.empty() || !on_unpublish.empty() || !on_play.empty() || !on_stop.empty() ||
           !on_record_done.empty();
  }
  bool operator==(const WebhooksConfig&) const = default;
};

// [play_tokens]: signed play URLs (server/play_token.hpp). With `required`, every RTMP,
// HTTP-FLV and HLS play, and every replay of a recording (/vod/), needs
// ?token=<expiry>.<hmac> signed with `secret` for the stream.
struct PlayTokensConfig {
  std::string secret;     // also lets POST /api/v1/tokens sign tokens
  bool required = false;  // needs a secret

  bool operator==(const PlayTokensConfig&) const = default;
};

struct Config {
  ServerConfig server;
  RtmpConfig rtmp;
  HttpConfig http;
  TlsConfig tls;
  SrtConfig srt;
  StreamConfig stream;
  HlsConfig hls;
  RecordConfig record;
  AuthConfig auth;
  DemoConfig demo;
  ClusterConfig cluster;
  AutoscaleConfig autoscale;
  RelayConfig relay;
  HealthConfig health;
  ApiConfig api;
  MetricsConfig metrics;
  WebhooksConfig webhooks;
  PlayTokensConfig play_tokens;
  WebConfig web;

  bool operator==(const Config&) const = default;
};

// Parses TOML text; `source` names it in errors ("relaycast.toml: rtmp.port: ...").
// Unknown keys and out-of-range values are errors that say what is allowed.
Result<Config> parse_config(std::string_view toml, std::string_view source);
// The file, then each drop-in (config_drop_ins) over it: a key set in a drop-in
// replaces the file's (an array as a whole).
Result<Config> load_config_file(const std::filesystem::path& path);
// conf.d/*.toml in the directory of `path`, in name order: how `relaycast join` adds
// an edge's [cluster] keys to a packaged config without rewriting the operator's file.
std::vector<std::filesystem::path> config_drop_ins(const std::filesystem::path& path);

// Where run-time state goes: server.state_dir, else $STATE_DIRECTORY (systemd), else
// $XDG_STATE_HOME/relaycast, else ~/.local/state/relaycast, else ./relaycast-state.
std::filesystem::path state_directory(const Config& config);

}  // namespace relaycast
