#include "api/metrics_text.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace relaycast::api {
namespace {

TEST(MetricsText, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("live/cam"), "live/cam");
  EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
  EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
  EXPECT_EQ(escape_label_value("\\\"\n"), "\\\\\\\"\\n");
}

TEST(MetricsText, RendersFamiliesAndSamples) {
  MetricsText m;
  m.family("relaycast_stream_viewers", "gauge", "Viewers of a stream by protocol.");
  m.sample("relaycast_stream_viewers", {{"stream", "live/\"cam\""}, {"protocol", "rtmp"}}, 3);
  m.family("relaycast_streams", "gauge", "Streams.\nwith a \\ in the help");
  m.sample("relaycast_streams", 1.5);
  EXPECT_EQ(m.text(),
            "# HELP relaycast_stream_viewers Viewers of a stream by protocol.\n"
            "# TYPE relaycast_stream_viewers gauge\n"
            "relaycast_stream_viewers{stream=\"live/\\\"cam\\\"\",protocol=\"rtmp\"} 3\n"
            "# HELP relaycast_streams Streams.\\nwith a \\\\ in the help\n"
            "# TYPE relaycast_streams gauge\n"
            "relaycast_streams 1.5\n");
}

TEST(MetricsText, SpecialValuesAreSpelledAsPrometheusReadsThem) {
  EXPECT_EQ(format_sample_value(0), "0");
  EXPECT_EQ(format_sample_value(12345678), "12345678");
  EXPECT_EQ(format_sample_value(0.25), "0.25");
  EXPECT_EQ(format_sample_value(std::nan("")), "NaN");
  EXPECT_EQ(format_sample_value(INFINITY), "+Inf");
  EXPECT_EQ(format_sample_value(-INFINITY), "-Inf");
}

}  // namespace
}  // namespace relaycast::api
