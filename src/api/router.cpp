#include "api/router.hpp"

#include <algorithm>

namespace relaycast::api {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::optional<std::map<std::string, std::string, std::less<>>> match_pattern(std::string_view pattern,
                                                                             std::string_view path) {
  const auto want = segments(pattern);
  const auto have = segments(path);
  if (want.size() != have.size()) return std::nullopt;
  std::map<std::string, std::string, std::less<>> params;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (have[i].empty()) return std::nullopt;
      params.emplace(std::string(w.substr(1, w.size() - 2)), std::string(have[i]));
    } else if (w != have[i]) {
      return std::nullopt;
    }
  }
  return params;
}

std::variant<RouteMatch, NoRoute> Router::match(std::string_view method, std::string_view path) const {
  if (method == "HEAD") method = "GET";
  NoRoute none;
  for (size_t i = 0; i < routes_.size(); ++i) {
    auto params = match_pattern(routes_[i].pattern, path);
    if (!params) continue;
    if (routes_[i].method == method) return RouteMatch{i, std::move(*params)};
    none.path_known = true;
    if (std::find(none.allowed.begin(), none.allowed.end(), routes_[i].method) == none.allowed.end())
      none.allowed.push_back(routes_[i].method);
  }
  return none;
}

}  // namespace relaycast::api
