// Downstream response parsing in the http plugin: status, content type and body of whatever a
// downstream sends -> a value or a typed failure, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http_downstream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const char* const types[] = {"application/json",
                                      "application/json; charset=utf-8",
                                      "text/plain",
                                      "",
                                      "application/problem+json",
                                      "APPLICATION/JSON"};
  mosaic::HttpResponse response;
  response.status = 100 + (data[0] % 5) * 100 + (data[0] / 5) % 30;  // 1xx..5xx, a few codes each
  response.content_type = types[data[1] % 6];
  response.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  (void)mosaic_http::interpret_response(response);
  return 0;
}
