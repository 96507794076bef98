#pragma once
// `endpoint: GET /dashboard/{userId}`: a method and a path template whose segments are literals
// or whole-segment `{name}` parameters. Checked here so the router only ever sees valid ones.
#include <string>
#include <string_view>

namespace mosaic::config {

struct EndpointSpec {
  std::string method;  // as written
  std::string path;    // as written
  std::string error;   // empty when the endpoint is valid
};

EndpointSpec parse_endpoint(std::string_view text);

}  // namespace mosaic::config
