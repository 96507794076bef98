#pragma once
// What the executor needs from the HTTP request, already decoded and validated by the server.
#include <optional>
#include <string>
#include <vector>

#include "mosaic/json.hpp"
#include "template/render_scope.hpp"

namespace mosaic::exec {

struct RequestInput {
  std::string request_id;
  std::vector<std::string> params;  // in the route's parameter order
  tmpl::StringPairs query;
  tmpl::StringPairs headers;        // lower-case names
  std::optional<Json> body;
};

}  // namespace mosaic::exec
