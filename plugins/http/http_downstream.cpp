#include "http_downstream.hpp"

#include <algorithm>
#include <optional>

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
  // A large body is parsed on the engine's offload pool rather than on this thread.
  if (context.should_offload(response.value().body.size())) {
    std::optional<mosaic::CallResult> result;
    if (auto refused = context.offload(
            [&] { result.emplace(interpret_response(response.value(), &context)); })) {
      return std::move(*refused);
    }
    return std::move(*result);
  }
  return interpret_response(response.value());
}

namespace {

constexpr std::size_t kParseSlice = 256 * 1024;

// json::parse, fed a slice at a time so that a cancelled call stops within one slice.
mosaic::CallResult parse_cancellable(const std::string& body, const mosaic::CallContext& context,
                                     boost::system::error_code& ec) {
  mosaic::json::stream_parser parser;
  for (std::size_t offset = 0; offset < body.size() && !ec; offset += kParseSlice) {
    if (context.cancelled()) return context.interruption();
    parser.write(body.data() + offset, std::min(kParseSlice, body.size() - offset), ec);
  }
  if (!ec) parser.finish(ec);
  if (ec) return mosaic::Json(nullptr);
  return parser.release();
}

}  // namespace

mosaic::CallResult interpret_response(const mosaic::HttpResponse& response,
                                      const mosaic::CallContext* context) {
  if (response.status < 200 || response.status > 299) {
    return mosaic::Failure::Status(response.status, "HTTP " + std::to_string(response.status));
  }
  bool blank = std::all_of(response.body.begin(), response.body.end(),
                           [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
  if (response.status == 204 || blank) return mosaic::Json(nullptr);
  boost::system::error_code ec;
  mosaic::CallResult parsed = context ? parse_cancellable(response.body, *context, ec)
                                      : mosaic::CallResult(mosaic::json::parse(response.body, ec));
  if (!parsed) return parsed;  // cancelled mid-parse
  if (ec) {
    return mosaic::Failure::Of(
        mosaic::FailureKind::kBadResponse,
        "HTTP " + std::to_string(response.status) + " body is not JSON: " + ec.message());
  }
  if (!mosaic::all_numbers_finite(parsed.value())) {
    return mosaic::Failure::Of(mosaic::FailureKind::kBadResponse,
                               "HTTP " + std::to_string(response.status) +
                                   " body has a number beyond the range of a double");
  }
  return parsed;
}

}  // namespace mosaic_http
