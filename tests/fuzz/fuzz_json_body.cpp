// JSON request bodies as the public handler reads them: parse with an error code (never throws),
// then serialize what was accepted and parse it back: the round trip must be stable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mosaic/json.hpp"

using namespace mosaic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  Json parsed = json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  const std::string once = json::serialize(parsed);
  Json again = json::parse(once, ec);
  if (ec || json::serialize(again) != once) __builtin_trap();
  return 0;
}
