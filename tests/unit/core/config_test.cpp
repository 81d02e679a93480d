#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace relaycast {
namespace {

Result<Config> parse(std::string_view toml) { return parse_config(toml, "test.toml"); }

// Parses text that must be refused and returns the message.
std::string refusal(std::string_view toml) {
  auto c = parse(toml);
  if (c) {
    ADD_FAILURE() << "accepted:\n" << toml;
    return {};
  }
  EXPECT_TRUE(c.error().is(Errc::config)) << c.error().message();
  EXPECT_NE(c.error().message().find("test.toml"), std::string::npos)
      << "names the file: " << c.error().message();
  return c.error().message();
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST(Config, EmptyTextGivesTheDefaults) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server.bind, "0.0.0.0");
  EXPECT_EQ(c->server.workers, 0) << "one per core";
  EXPECT_EQ(c->server.log_level, "info");
  EXPECT_EQ(c->server.max_connections, 10000u);
  EXPECT_EQ(c->server.max_connections_per_ip, 2000u) << "fits a NATed venue";
  EXPECT_TRUE(c->rtmp.enabled);
  EXPECT_EQ(c->rtmp.port, 1935) << "DESIGN.md defaults";
  EXPECT_EQ(c->rtmp.chunk_size, 60000u);
  EXPECT_EQ(c->rtmp.max_message_size, 8u * 1024 * 1024);
  EXPECT_EQ(c->rtmp.max_chunk_size, 16u * 1024 * 1024);
  EXPECT_EQ(c->rtmp.window_ack_size, 2500000u);
  EXPECT_EQ(c->rtmp.handshake_timeout_ms, 10000u);
  EXPECT_EQ(c->rtmp.idle_timeout_ms, 30000u);
  EXPECT_EQ(c->rtmp.send_timeout_ms, 10000u);
  EXPECT_TRUE(c->http.enabled);
  EXPECT_EQ(c->http.port, 8080) << "DESIGN.md defaults";
  EXPECT_EQ(c->http.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c->http.header_timeout_ms, 10000u);
  EXPECT_EQ(c->http.send_timeout_ms, 10000u);
  EXPECT_EQ(c->http.cors_origin, "*");
  EXPECT_EQ(c->stream.max_streams, 1000u);
  EXPECT_FALSE(c->stream.takeover);
  EXPECT_EQ(c->stream.max_ring_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(c->stream.max_viewer_lag_ms, 4000u);
  EXPECT_EQ(c->stream.max_skips_per_minute, 4u);
  EXPECT_EQ(c->stream.max_timestamp_backstep_ms, 1000u);
  EXPECT_EQ(c->stream.write_batch_ms, 40u);
  EXPECT_TRUE(c->hls.enabled);
  EXPECT_EQ(c->hls.segment_ms, 2000u);
  EXPECT_EQ(c->hls.part_ms, 334u);
  EXPECT_EQ(c->hls.window, 6u);
  EXPECT_EQ(c->hls.force_cut_ms, 6000u);
  EXPECT_EQ(c->hls.block_timeout_ms, 6000u);
  EXPECT_EQ(c->hls.linger_ms, 60000u);
  EXPECT_EQ(c->hls.directory, "") << "classic HLS files are off by default";
  EXPECT_TRUE(c->auth.publish_keys.empty());
  EXPECT_FALSE(c->demo.enabled);
  EXPECT_EQ(c->demo.stream, "live/demo");
  EXPECT_EQ(c->demo.ffmpeg, "ffmpeg");
}

TEST(Config, CommentsAndEmptySectionsKeepTheDefaults) {
  auto c = parse("# nothing set\n[server]\n[rtmp]\n[http]\n[stream]\n[hls]\n[auth]\n[demo]\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->rtmp.port, 1935);
  EXPECT_EQ(c->http.port, 8080);
}

TEST(Config, EveryKeyCanBeOverridden) {
  auto c = parse(R"(
[server]
bind = "127.0.0.1"
workers = 3
log_level = "debug"
max_connections = 500
max_connections_per_ip = 7

[rtmp]
enabled = false
port = 19350
chunk_size = 4096
max_message_size = 1048576
max_chunk_size = 65536
window_ack_size = 5000000
handshake_timeout_ms = 2000
idle_timeout_ms = 3000
send_timeout_ms = 4000

[http]
enabled = false
port = 18080
max_header_bytes = 4096
header_timeout_ms = 5000
send_timeout_ms = 6000
cors_origin = "https://example.org"

[stream]
max_streams = 12
takeover = true
max_ring_bytes = 68719476736
max_viewer_lag_ms = 2500
max_skips_per_minute = 9
max_timestamp_backstep_ms = 250
write_batch_ms = 0

[hls]
enabled = false
segment_ms = 4000
part_ms = 500
window = 10
force_cut_ms = 9000
block_timeout_ms = 3000
linger_ms = 0
directory = "/var/lib/relaycast/hls"

[auth]
publish_keys = [ { stream = "live/cam", key = "k1" }, { stream = "event/*", key = "k2" } ]

[demo]
enabled = true
stream = "live/demo2"
ffmpeg = "/usr/bin/ffmpeg"
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server.bind, "127.0.0.1");
  EXPECT_EQ(c->server.workers, 3);
  EXPECT_EQ(c->server.log_level, "debug");
  EXPECT_EQ(c->server.max_connections, 500u);
  EXPECT_EQ(c->server.max_connections_per_ip, 7u);
  EXPECT_FALSE(c->rtmp.enabled);
  EXPECT_EQ(c->rtmp.port, 19350);
  EXPECT_EQ(c->rtmp.chunk_size, 4096u);
  EXPECT_EQ(c->rtmp.max_message_size, 1048576u);
  EXPECT_EQ(c->rtmp.max_chunk_size, 65536u);
  EXPECT_EQ(c->rtmp.window_ack_size, 5000000u);
  EXPECT_EQ(c->rtmp.handshake_timeout_ms, 2000u);
  EXPECT_EQ(c->rtmp.idle_timeout_ms, 3000u);
  EXPECT_EQ(c->rtmp.send_timeout_ms, 4000u);
  EXPECT_FALSE(c->http.enabled);
  EXPECT_EQ(c->http.port, 18080);
  EXPECT_EQ(c->http.max_header_bytes, 4096u);
  EXPECT_EQ(c->http.header_timeout_ms, 5000u);
  EXPECT_EQ(c->http.send_timeout_ms, 6000u);
  EXPECT_EQ(c->http.cors_origin, "https://example.org");
  EXPECT_EQ(c->stream.max_streams, 12u);
  EXPECT_TRUE(c->stream.takeover);
  EXPECT_EQ(c->stream.max_ring_bytes, uint64_t(1) << 36) << "64-bit field, no truncation";
  EXPECT_EQ(c->stream.max_viewer_lag_ms, 2500u);
  EXPECT_EQ(c->stream.max_skips_per_minute, 9u);
  EXPECT_EQ(c->stream.max_timestamp_backstep_ms, 250u);
  EXPECT_EQ(c->stream.write_batch_ms, 0u);
  EXPECT_FALSE(c->hls.enabled);
  EXPECT_EQ(c->hls.segment_ms, 4000u);
  EXPECT_EQ(c->hls.part_ms, 500u);
  EXPECT_EQ(c->hls.window, 10u);
  EXPECT_EQ(c->hls.force_cut_ms, 9000u);
  EXPECT_EQ(c->hls.block_timeout_ms, 3000u);
  EXPECT_EQ(c->hls.linger_ms, 0u);
  EXPECT_EQ(c->hls.directory, "/var/lib/relaycast/hls");
  ASSERT_EQ(c->auth.publish_keys.size(), 2u);
  EXPECT_EQ(c->auth.publish_keys[0].stream, "live/cam");
  EXPECT_EQ(c->auth.publish_keys[0].key, "k1");
  EXPECT_EQ(c->auth.publish_keys[1].stream, "event/*");
  EXPECT_EQ(c->auth.publish_keys[1].key, "k2");
  EXPECT_TRUE(c->demo.enabled);
  EXPECT_EQ(c->demo.stream, "live/demo2");
  EXPECT_EQ(c->demo.ffmpeg, "/usr/bin/ffmpeg");
}

TEST(Config, OneKeyOverriddenLeavesTheOthersAtTheirDefaults) {
  auto c = parse("[rtmp]\nport = 1936\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->rtmp.port, 1936);
  EXPECT_EQ(c->rtmp.chunk_size, 60000u);
  EXPECT_EQ(c->http.port, 8080);
}

TEST(Config, DottedKeysAndSectionsMeanTheSame) {
  auto c = parse("rtmp.port = 1937\nstream.takeover = true\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->rtmp.port, 1937);
  EXPECT_TRUE(c->stream.takeover);
}

TEST(Config, UnknownSectionIsRefusedNamingTheKnownOnes) {
  const auto msg = refusal("[rtpm]\nport = 1935\n");
  EXPECT_TRUE(contains(msg, "rtpm")) << msg;
  for (const char* known : {"server", "rtmp", "http", "stream", "hls", "auth", "demo"})
    EXPECT_TRUE(contains(msg, known)) << known << " missing from: " << msg;
}

TEST(Config, UnknownKeyIsRefusedNamingTheFileKeyAndKnownKeys) {
  const auto msg = refusal("[rtmp]\nprot = 1935\n");
  EXPECT_TRUE(contains(msg, "rtmp.prot")) << msg;
  for (const char* known : {"enabled", "port", "chunk_size", "max_message_size", "max_chunk_size", "window_ack_size",
                            "handshake_timeout_ms", "idle_timeout_ms", "send_timeout_ms"})
    EXPECT_TRUE(contains(msg, known)) << known << " missing from: " << msg;

  const auto in_stream = refusal("[stream]\nmax_stream = 3\n");
  EXPECT_TRUE(contains(in_stream, "stream.max_stream")) << in_stream;
  EXPECT_TRUE(contains(in_stream, "max_streams")) << in_stream;
}

TEST(Config, TopLevelKeyOutsideASectionIsRefused) {
  const auto msg = refusal("port = 1935\n");
  EXPECT_TRUE(contains(msg, "port")) << msg;
}

TEST(Config, SectionThatIsNotATableIsRefused) {
  const auto msg = refusal("rtmp = 1935\n");
  EXPECT_TRUE(contains(msg, "rtmp")) << msg;
}

TEST(Config, NestedTableInASectionIsAnUnknownKey) {
  const auto msg = refusal("[rtmp.extra]\nport = 1\n");
  EXPECT_TRUE(contains(msg, "rtmp.extra")) << msg;
}

TEST(Config, SyntaxErrorNamesTheLine) {
  const auto msg = refusal("[rtmp]\nport = 1935\nchunk_size = = 4096\n");
  EXPECT_TRUE(contains(msg, "line 3")) << msg;

  const auto unclosed = refusal("# a comment\n\n\n[http\nport = 1\n");
  EXPECT_TRUE(contains(unclosed, "line 4")) << unclosed;

  const auto duplicate = refusal("[rtmp]\nport = 1\nport = 2\n");
  EXPECT_TRUE(contains(duplicate, "line 3")) << duplicate;
}

// Every numeric key, with the range the schema allows.
struct NumericKey {
  const char* section;
  const char* key;
  uint64_t lo, hi;
  std::function<uint64_t(const Config&)> get;
};

std::vector<NumericKey> numeric_keys() {
  constexpr uint64_t u32 = 0xFFFFFFFF;
  return {
      {"server", "workers", 0, 256, [](const Config& c) { return uint64_t(c.server.workers); }},
      {"server", "max_connections", 1, 1000000, [](const Config& c) { return uint64_t(c.server.max_connections); }},
      {"server", "max_connections_per_ip", 1, 1000000,
       [](const Config& c) { return uint64_t(c.server.max_connections_per_ip); }},
      {"rtmp", "port", 1, 65535, [](const Config& c) { return uint64_t(c.rtmp.port); }},
      {"rtmp", "chunk_size", 128, 16 * 1024 * 1024, [](const Config& c) { return uint64_t(c.rtmp.chunk_size); }},
      {"rtmp", "max_message_size", 1024, 0xFFFFFF, [](const Config& c) { return uint64_t(c.rtmp.max_message_size); }},
      {"rtmp", "max_chunk_size", 128, 0x7FFFFFFF, [](const Config& c) { return uint64_t(c.rtmp.max_chunk_size); }},
      {"rtmp", "window_ack_size", 4096, u32, [](const Config& c) { return uint64_t(c.rtmp.window_ack_size); }},
      {"rtmp", "handshake_timeout_ms", 100, u32,
       [](const Config& c) { return uint64_t(c.rtmp.handshake_timeout_ms); }},
      {"rtmp", "idle_timeout_ms", 100, u32, [](const Config& c) { return uint64_t(c.rtmp.idle_timeout_ms); }},
      {"rtmp", "send_timeout_ms", 100, u32, [](const Config& c) { return uint64_t(c.rtmp.send_timeout_ms); }},
      {"http", "port", 1, 65535, [](const Config& c) { return uint64_t(c.http.port); }},
      {"http", "max_header_bytes", 512, 1024 * 1024, [](const Config& c) { return uint64_t(c.http.max_header_bytes); }},
      {"http", "header_timeout_ms", 100, u32, [](const Config& c) { return uint64_t(c.http.header_timeout_ms); }},
      {"http", "send_timeout_ms", 100, u32, [](const Config& c) { return uint64_t(c.http.send_timeout_ms); }},
      {"stream", "max_streams", 1, 1000000, [](const Config& c) { return uint64_t(c.stream.max_streams); }},
      {"stream", "max_ring_bytes", 64 * 1024, uint64_t(1) << 36,
       [](const Config& c) { return uint64_t(c.stream.max_ring_bytes); }},
      {"stream", "max_viewer_lag_ms", 100, 600000, [](const Config& c) { return uint64_t(c.stream.max_viewer_lag_ms); }},
      {"stream", "max_skips_per_minute", 0, 100000,
       [](const Config& c) { return uint64_t(c.stream.max_skips_per_minute); }},
      {"stream", "max_timestamp_backstep_ms", 0, u32,
       [](const Config& c) { return uint64_t(c.stream.max_timestamp_backstep_ms); }},
      {"stream", "write_batch_ms", 0, 1000, [](const Config& c) { return uint64_t(c.stream.write_batch_ms); }},
      {"stream", "viewer_send_buffer_bytes", 0, 64 * 1024 * 1024,
       [](const Config& c) { return uint64_t(c.stream.viewer_send_buffer_bytes); }},
      {"hls", "segment_ms", 500, 60000, [](const Config& c) { return uint64_t(c.hls.segment_ms); }},
      {"hls", "part_ms", 100, 5000, [](const Config& c) { return uint64_t(c.hls.part_ms); }},
      {"hls", "window", 2, 100, [](const Config& c) { return uint64_t(c.hls.window); }},
      {"hls", "force_cut_ms", 1000, 120000, [](const Config& c) { return uint64_t(c.hls.force_cut_ms); }},
      {"hls", "block_timeout_ms", 500, 60000, [](const Config& c) { return uint64_t(c.hls.block_timeout_ms); }},
      {"hls", "linger_ms", 0, 3600000, [](const Config& c) { return uint64_t(c.hls.linger_ms); }},
  };
}

TEST(Config, NumericKeysAcceptTheirWholeRange) {
  for (const auto& k : numeric_keys()) {
    for (uint64_t v : {k.lo, k.hi, (k.lo + k.hi) / 2}) {
      auto c = parse(fmt::format("[{}]\n{} = {}\n", k.section, k.key, v));
      ASSERT_TRUE(c) << k.section << "." << k.key << " = " << v << ": " << c.error().message();
      EXPECT_EQ(k.get(*c), v) << k.section << "." << k.key;
    }
  }
}

TEST(Config, NumericKeysOutOfRangeAreRefusedNamingTheRange) {
  for (const auto& k : numeric_keys()) {
    std::vector<int64_t> bad = {int64_t(k.hi) + 1, -1};
    if (k.lo > 0) bad.push_back(int64_t(k.lo) - 1);
    for (int64_t v : bad) {
      const auto msg = refusal(fmt::format("[{}]\n\n{} = {}\n", k.section, k.key, v));
      const std::string name = fmt::format("{}.{}", k.section, k.key);
      EXPECT_TRUE(contains(msg, name)) << msg;
      EXPECT_TRUE(contains(msg, fmt::format("from {} to {}", k.lo, k.hi))) << name << " = " << v << ": " << msg;
      EXPECT_TRUE(contains(msg, "line 3")) << msg;
    }
  }
}

TEST(Config, NumericKeysOfAnotherTypeAreRefused) {
  // Floats too large for an integer (80e81, inf) are refused, not converted (UB).
  for (const char* value :
       {"\"1935\"", "1935.0", "80e81", "-1e300", "inf", "nan", "true", "[1935]", "{ port = 1 }", "1935-01-01"}) {
    const auto msg = refusal(fmt::format("[rtmp]\nport = {}\n", value));
    EXPECT_TRUE(contains(msg, "rtmp.port")) << value << ": " << msg;
    EXPECT_TRUE(contains(msg, "from 1 to 65535")) << value << ": " << msg;
  }
}

TEST(Config, BooleanKeysAcceptOnlyBooleans) {
  for (const char* key : {"rtmp.enabled", "http.enabled", "stream.takeover", "hls.enabled", "demo.enabled"}) {
    for (const char* value : {"1", "\"true\"", "\"yes\"", "0.0"}) {
      const std::string_view k(key);
      const auto dot = k.find('.');
      const auto msg = refusal(fmt::format("[{}]\n{} = {}\n", k.substr(0, dot), k.substr(dot + 1), value));
      EXPECT_TRUE(contains(msg, key)) << msg;
      EXPECT_TRUE(contains(msg, "true or false")) << msg;
    }
  }
}

TEST(Config, StringKeysAcceptOnlyStrings) {
  for (const char* key : {"server.bind", "server.log_level", "http.cors_origin", "hls.directory", "demo.stream", "demo.ffmpeg"}) {
    const std::string_view k(key);
    const auto dot = k.find('.');
    const auto msg = refusal(fmt::format("[{}]\n{} = 5\n", k.substr(0, dot), k.substr(dot + 1)));
    EXPECT_TRUE(contains(msg, key)) << msg;
    EXPECT_TRUE(contains(msg, "must be a string")) << msg;
  }
}

TEST(Config, LogLevelMustBeOneOfTheKnownLevels) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    auto c = parse(fmt::format("[server]\nlog_level = \"{}\"\n", level));
    ASSERT_TRUE(c) << level << ": " << c.error().message();
    EXPECT_EQ(c->server.log_level, level);
  }
  const auto msg = refusal("[server]\nlog_level = \"verbose\"\n");
  EXPECT_TRUE(contains(msg, "server.log_level")) << msg;
  EXPECT_TRUE(contains(msg, "verbose")) << msg;
  EXPECT_TRUE(contains(msg, "trace, debug, info, warn, error, off")) << msg;
}

TEST(Config, PublishKeysAsAnArrayOfTables) {
  auto c = parse(R"(
[[auth.publish_keys]]
stream = "live/a"
key = "one"

[[auth.publish_keys]]
stream = "live/*"
key = "two"
)");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->auth.publish_keys.size(), 2u);
  EXPECT_EQ(c->auth.publish_keys[0].stream, "live/a");
  EXPECT_EQ(c->auth.publish_keys[0].key, "one");
  EXPECT_EQ(c->auth.publish_keys[1].stream, "live/*");
  EXPECT_EQ(c->auth.publish_keys[1].key, "two");
}

TEST(Config, EmptyPublishKeysMeansOpen) {
  auto c = parse("[auth]\npublish_keys = []\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->auth.publish_keys.empty());
}

TEST(Config, BadPublishKeyEntriesAreRefusedNamingTheLine) {
  struct Case {
    const char* entry;
    const char* why;
  };
  for (const Case& bad : {Case{R"({ stream = "live/a" })", "no key"},
                          Case{R"({ key = "k" })", "no stream"},
                          Case{R"({ stream = "live/a", key = "" })", "empty key"},
                          Case{R"({ stream = "live", key = "k" })", "stream without app/"},
                          Case{R"({ stream = "live/a", key = 5 })", "key not a string"},
                          Case{R"({ stream = 5, key = "k" })", "stream not a string"},
                          Case{R"("live/a")", "not a table"}}) {
    const auto msg = refusal(fmt::format("[auth]\npublish_keys = [\n  {{ stream = \"ok/a\", key = \"fine\" }},\n  {},\n]\n",
                                         bad.entry));
    EXPECT_TRUE(contains(msg, "auth.publish_keys")) << bad.why << ": " << msg;
    EXPECT_TRUE(contains(msg, "line 4")) << bad.why << ": " << msg;
    EXPECT_TRUE(contains(msg, "app/name")) << bad.why << ": says what is expected: " << msg;
  }
}

TEST(Config, PublishKeysMustBeAnArray) {
  for (const char* value : {"\"live/a=k\"", "{ stream = \"live/a\", key = \"k\" }", "5"}) {
    const auto msg = refusal(fmt::format("[auth]\npublish_keys = {}\n", value));
    EXPECT_TRUE(contains(msg, "auth.publish_keys")) << msg;
    EXPECT_TRUE(contains(msg, "array")) << msg;
  }
}

TEST(Config, LoadConfigFileReadsAndNamesTheFile) {
  const std::string path = ::testing::TempDir() + "relaycast_config_test.toml";
  {
    std::ofstream out(path);
    out << "[rtmp]\nport = 1940\n";
  }
  auto c = load_config_file(path);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->rtmp.port, 1940);

  {
    std::ofstream out(path);
    out << "[rtmp]\nport = 0\n";
  }
  auto bad = load_config_file(path);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message(), path)) << bad.error().message();
  EXPECT_TRUE(contains(bad.error().message(), "rtmp.port")) << bad.error().message();
  std::remove(path.c_str());

  auto missing = load_config_file(path);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(Errc::config));
  EXPECT_TRUE(contains(missing.error().message(), path)) << missing.error().message();
}

}  // namespace
}  // namespace relaycast
