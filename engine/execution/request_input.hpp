#pragma once
// What the executor needs from the HTTP request, already decoded and validated by the server.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "logging/log_writer.hpp"
#include "mosaic/json.hpp"
#include "template/render_scope.hpp"
#include "trace/trace_context.hpp"

namespace mosaic::exec {

struct RequestInput {
  std::string request_id;
  bool client_supplied_id = false;  // the id came from the client's X-Request-Id
  std::vector<std::string> params;  // in the route's parameter order
  tmpl::StringPairs query;
  tmpl::StringPairs headers;  // lower-case names
  std::optional<Json> body;
  std::shared_ptr<const logging::LogScope>
      log_scope;              // the request's log scope; null: made by the executor
  trace::TraceContext trace;  // W3C trace context; empty trace_id: none (tests)
  // When the pipeline's deadline started: before the request waited for a turn
  // (server.max_active). Unset: when the executor starts.
  std::optional<std::chrono::steady_clock::time_point> deadline_from;
};

}  // namespace mosaic::exec
