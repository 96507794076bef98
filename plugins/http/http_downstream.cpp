#include "http_downstream.hpp"

#include <algorithm>

#include "http_request_builder.hpp"

namespace mosaic_http {

std::vector<std::string> HttpDownstream::accepted_with_keys() const {
  return {"method", "path", "query", "headers", "body"};
}

mosaic::Interpolation HttpDownstream::interpolation_for(
    std::span<const std::string> with_path) const {
  if (with_path.empty()) return mosaic::Interpolation::kRaw;
  if (with_path.size() == 1 && with_path[0] == "path") return mosaic::Interpolation::kPathSegment;
  if (with_path[0] == "headers") return mosaic::Interpolation::kHeaderValue;
  // Query values stay raw on purpose: build_query() percent-encodes every key and value, so an
  // engine-side encoding would be applied twice ("a b" -> "a%2520b"). Their structure is safe
  // anyway: each value is one JSON string that can only become one encoded query value.
  return mosaic::Interpolation::kRaw;
}

bool HttpDownstream::idempotent(const mosaic::Json& input) const {
  std::string method = method_of(input);
  for (const char* m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
    if (method == m) return true;
  }
  return false;
}

mosaic::CallResult HttpDownstream::call(const mosaic::Json& input, mosaic::CallContext& context) {
  auto request = build_request(input, config_.headers);
  if (!request) return std::move(request).take_failure();
  auto response = client_->send(request.value(), context);
  if (!response) return std::move(response).take_failure();
  return interpret_response(std::move(response).value());
}

mosaic::CallResult interpret_response(mosaic::HttpResponse response) {
  if (response.status < 200 || response.status > 299) {
    return mosaic::Failure::Status(response.status, "HTTP " + std::to_string(response.status));
  }
  bool blank = std::all_of(response.body.begin(), response.body.end(),
                           [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
  if (response.status == 204 || blank) return mosaic::Json(nullptr);
  // Handed over unparsed: the engine checks it, and parses it only if a template reads inside it.
  return mosaic::JsonText{std::move(response.body)};
}

}  // namespace mosaic_http
