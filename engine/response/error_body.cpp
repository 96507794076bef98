#include "response/error_body.hpp"

#include "mosaic/json_text.hpp"

namespace mosaic::response {

std::string serialize_error(const ErrorBody& error, std::string_view request_id) {
  json::object body;
  body["error"] = error.code;
  if (!error.message.empty()) body["message"] = error.message;
  if (!error.step.empty()) body["step"] = error.step;
  if (!error.reason.empty()) body["reason"] = error.reason;
  body["request_id"] = request_id;
  return to_json_text(body);
}

}  // namespace mosaic::response
