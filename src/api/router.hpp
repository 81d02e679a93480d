#pragma once
// Which API route a request is for: a method and a path pattern with {parameters}
// ("/api/v1/streams/{app}/{name}"). A parameter matches one non-empty path segment.
// Distinguishes "no such path" (404) from "no such method on this path" (405, with
// the methods that are allowed).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace relaycast::api {

struct Route {
  std::string method;   // "GET", "POST", "DELETE"
  std::string pattern;  // "/api/v1/streams/{app}/{name}"
};

struct RouteMatch {
  size_t index = 0;  // into the route table
  std::map<std::string, std::string, std::less<>> params;
};

struct NoRoute {
  bool path_known = false;           // some route has this path, with another method
  std::vector<std::string> allowed;  // the methods of that path
};

class Router {
public:
  explicit Router(std::vector<Route> routes) : routes_(std::move(routes)) {}

  // HEAD matches GET. `path` is without the query.
  std::variant<RouteMatch, NoRoute> match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

private:
  std::vector<Route> routes_;
};

// Matches one pattern against a path; the parameters when it does.
std::optional<std::map<std::string, std::string, std::less<>>> match_pattern(std::string_view pattern,
                                                                             std::string_view path);

}  // namespace relaycast::api
