#pragma once
// Errors as values. A code says what kind of failure it was (so callers can branch on
// it and metrics can count it), the message says what failed and why, with the
// context of every caller that added some ("rtmp 127.0.0.1:5000: chunk stream 4:
// message of 20000000 bytes is over the limit of 16777216").
#include <expected>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace relaycast {

enum class Errc {
  truncated = 1,   // input ended inside a structure
  malformed,       // a field has a value the format does not allow
  unsupported,     // valid, but not something we handle
  too_large,       // over a configured or format limit
  refused,         // policy said no (stream key, duplicate publisher, ...)
  not_found,       // no such stream / route
  timeout,         // a deadline passed
  closed,          // the peer went away
  config,          // bad configuration
  ignored,         // well-formed, but carries nothing to act on (end of sequence, empty tag)
};

const std::error_category& relaycast_category();
inline std::error_code make_error_code(Errc e) { return {int(e), relaycast_category()}; }

class Error {
public:
  Error(std::error_code code, std::string message) : code_(code), message_(std::move(message)) {}
  Error(Errc code, std::string message) : Error(make_error_code(code), std::move(message)) {}

  const std::error_code& code() const { return code_; }
  bool is(Errc e) const { return code_ == make_error_code(e); }
  const std::string& message() const { return message_; }

  // Prefixes the message with what the caller was doing.
  Error context(std::string_view what) && {
    message_ = fmt::format("{}: {}", what, message_);
    return std::move(*this);
  }

private:
  std::error_code code_;
  std::string message_;
};

template <class T>
using Result = std::expected<T, Error>;

template <class... Args>
std::unexpected<Error> fail(Errc code, fmt::format_string<Args...> f, Args&&... args) {
  return std::unexpected(Error(code, fmt::format(f, std::forward<Args>(args)...)));
}

}  // namespace relaycast

template <>
struct std::is_error_code_enum<relaycast::Errc> : std::true_type {};
