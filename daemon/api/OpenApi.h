// The OpenAPI 3 description of the REST API (daemon/api/openapi.json), compiled into the
// binary and served at /api/v1/openapi.json. A unit test keeps it and the routes in step.
#pragma once

#include <string_view>

namespace calconn::api {

std::string_view openApiDocument();

}  // namespace calconn::api
