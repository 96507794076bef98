// Downstream response parsing in the http plugin: status, content type and body of whatever a
// downstream sends -> a value or a typed failure, never a crash. The body is parsed both ways the
// plugin does (in one go, and in slices under a call context as on the offload pool); both must
// give the same answer, and a status outside 2xx is always a status failure.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fake_call_context.hpp"
#include "http_downstream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const char* const types[] = {"application/json",
                                      "application/json; charset=utf-8",
                                      "text/plain",
                                      "",
                                      "application/problem+json",
                                      "APPLICATION/JSON"};
  static mosaic::testing::FakeCallContext context(std::chrono::hours(24 * 365 * 10));
  mosaic::HttpResponse response;
  response.status = 100 + (data[0] % 5) * 100 + (data[0] / 5) % 30;  // 1xx..5xx, a few codes each
  response.content_type = types[data[1] % 6];
  response.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);

  const mosaic::CallResult whole = mosaic_http::interpret_response(response);
  const mosaic::CallResult sliced = mosaic_http::interpret_response(response, &context);
  if (whole.ok() != sliced.ok()) __builtin_trap();
  if (whole.ok() && whole.value() != sliced.value()) __builtin_trap();
  if (!whole.ok() && whole.failure().kind != sliced.failure().kind) __builtin_trap();
  const bool success = response.status >= 200 && response.status <= 299;
  if (!success && (whole.ok() || whole.failure().kind != mosaic::FailureKind::kBadStatus ||
                   whole.failure().status != response.status))
    __builtin_trap();
  return 0;
}
