#pragma once
// The OpenAPI 3 document of the API (src/api/openapi.json), served at
// /api/v1/openapi.json. tests/unit/api/openapi_test.cpp checks that it lists exactly
// the routes the router answers.
#include <string_view>

namespace relaycast::api {

std::string_view openapi_document();

}  // namespace relaycast::api
