// A downstream's response on its way to a step result: the http plugin's interpret_response
// (status and body -> a failure, null, or the body as JSON text), then the engine's check of that
// text (downstream::check_result) and its parse into a tree (downstream::parse_text). Never a
// crash, and the check must agree with json::parse exactly: text is accepted if and only if
// json::parse reads it and every number in it is finite, and the tree parse_text builds is the one
// json::parse builds. A status outside 2xx is always a status failure.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "downstream/checked_text_downstream.hpp"
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
  const std::string body = response.body;
  const int status = response.status;

  const mosaic::CallResult interpreted = mosaic_http::interpret_response(std::move(response));
  const bool success = status >= 200 && status <= 299;
  if (!success) {
    if (interpreted.ok() || interpreted.failure().kind != mosaic::FailureKind::kBadStatus ||
        interpreted.failure().status != status)
      __builtin_trap();
    return 0;
  }
  if (!interpreted.ok()) __builtin_trap();
  if (!interpreted.is_text()) return 0;  // 204 or a blank body: null

  boost::system::error_code ec;
  const mosaic::Json reference = mosaic::json::parse(body, ec);
  const bool valid = !ec && mosaic::all_numbers_finite(reference);
  const mosaic::CallResult checked = mosaic::downstream::check_result(interpreted, context);
  if (checked.ok() != valid) __builtin_trap();
  if (!valid) {
    if (checked.failure().kind != mosaic::FailureKind::kBadResponse) __builtin_trap();
    return 0;
  }
  if (!checked.is_text() || checked.text() != body) __builtin_trap();
  const mosaic::CallResult tree = mosaic::downstream::parse_text(checked, context);
  if (!tree.ok() || tree.is_text() || tree.value() != reference) __builtin_trap();
  return 0;
}
