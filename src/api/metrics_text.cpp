#include "api/metrics_text.hpp"

#include <cmath>

#include <fmt/format.h>

namespace relaycast::api {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  // HELP text escapes only backslash and newline.
  std::string escaped;
  for (const char c : help) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escaped, name, type);
}

void MetricsText::sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  out_ += name;
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += fmt::format("{}=\"{}\"", label, escape_label_value(v));
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_sample_value(value);
  out_ += '\n';
}

}  // namespace relaycast::api
