#pragma once
// Every error a client sees is one JSON object with a stable `error` code and the request id;
// internal exception text never appears in it.
#include <string>
#include <string_view>

#include "mosaic/json.hpp"

namespace mosaic::response {

struct ErrorBody {
  int status = 500;
  std::string code;     // not_found, method_not_allowed, payload_too_large, bad_request,
                        // dependency_failed, deadline_exceeded, overloaded, internal
  std::string message;  // a fixed, human sentence for the code
  std::string step;     // for dependency_failed / deadline_exceeded
  std::string reason;   // the step's failure reason
};

std::string serialize_error(const ErrorBody& error, std::string_view request_id);

}  // namespace mosaic::response
