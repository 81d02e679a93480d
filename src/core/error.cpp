#include "core/error.hpp"

namespace relaycast {
namespace {

class Category final : public std::error_category {
public:
  const char* name() const noexcept override { return "relaycast"; }
  std::string message(int code) const override {
    switch (Errc(code)) {
      case Errc::truncated: return "truncated input";
      case Errc::malformed: return "malformed input";
      case Errc::unsupported: return "unsupported";
      case Errc::too_large: return "over a limit";
      case Errc::refused: return "refused";
      case Errc::not_found: return "not found";
      case Errc::timeout: return "timed out";
      case Errc::closed: return "connection closed";
      case Errc::config: return "bad configuration";
      case Errc::ignored: return "nothing to act on";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& relaycast_category() {
  static const Category category;
  return category;
}

}  // namespace relaycast
