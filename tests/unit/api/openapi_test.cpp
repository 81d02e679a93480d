// The OpenAPI document is kept true: every route the router answers is in it with its
// method, and it lists nothing the router does not answer.
#include "api/openapi_document.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "api/control_plane.hpp"

namespace relaycast::api {
namespace {

using Operation = std::pair<std::string, std::string>;  // method, path

std::set<Operation> documented() {
  const auto doc = nlohmann::json::parse(openapi_document());
  std::set<Operation> out;
  for (const auto& [path, item] : doc.at("paths").items())
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      out.insert({upper, path});
    }
  return out;
}

TEST(OpenApi, IsAnOpenApi3Document) {
  const auto doc = nlohmann::json::parse(openapi_document());
  EXPECT_TRUE(doc.at("openapi").get<std::string>().starts_with("3."));
  EXPECT_TRUE(doc.at("components").at("schemas").contains("Error"));
}

TEST(OpenApi, ListsExactlyTheRoutesTheServerAnswers) {
  std::set<Operation> routed;
  for (const auto& r : ControlPlane::routes()) routed.insert({r.method, r.pattern});
  const auto docs = documented();
  for (const auto& op : routed) EXPECT_TRUE(docs.contains(op)) << op.first << " " << op.second << " is not documented";
  for (const auto& op : docs) EXPECT_TRUE(routed.contains(op)) << op.first << " " << op.second << " is documented but not routed";
}

TEST(OpenApi, EveryOperationDocumentsItsAuthErrors) {
  const auto doc = nlohmann::json::parse(openapi_document());
  for (const auto& [path, item] : doc.at("paths").items())
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      EXPECT_TRUE(op.at("responses").contains("401")) << method << " " << path;
    }
}

}  // namespace
}  // namespace relaycast::api
