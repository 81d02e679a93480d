#pragma once
// The Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per
// metric family, then its samples. Label values are escaped (backslash, double quote,
// newline), so a stream name can never break the output.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace relaycast::api {

using Label = std::pair<std::string_view, std::string_view>;

// `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
std::string escape_label_value(std::string_view value);
// Integers without a fraction, the rest with enough digits; NaN and ±Inf spelled as
// Prometheus reads them.
std::string format_sample_value(double value);

class MetricsText {
public:
  // Starts a family: `type` is counter, gauge or untyped.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }

  const std::string& text() const { return out_; }

private:
  std::string out_;
};

}  // namespace relaycast::api
