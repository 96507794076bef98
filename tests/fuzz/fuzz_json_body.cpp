// JSON request bodies as the public handler reads them: parse with an error code (never throws),
// refuse numbers beyond a double (they would be written back as `Infinity`), then serialize what
// was accepted and parse it back: the round trip must give JSON and the same value.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mosaic/json.hpp"

using namespace mosaic;

namespace {

// Equal, except that a double may move in its last bits: Boost.JSON 1.81 parses long mantissas
// imprecisely (222...229, 51 digits, reads as 2.2222222222222226E50, and that text reads back as
// 2.2222222222222222E50); its precise mode arrived in Boost 1.83. Everything else must be exact.
bool same(const Json& a, const Json& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::abs(x - y) <= 1e-14 * std::max(std::abs(x), std::abs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* array = a.if_array()) {
    const auto& other = b.get_array();
    return array->size() == other.size() &&
           std::equal(array->begin(), array->end(), other.begin(), same);
  }
  if (const auto* object = a.if_object()) {
    const auto& other = b.get_object();
    if (object->size() != other.size()) return false;
    for (auto ia = object->begin(), ib = other.begin(); ia != object->end(); ++ia, ++ib) {
      if (ia->key() != ib->key() || !same(ia->value(), ib->value())) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  Json parsed = json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !all_numbers_finite(parsed)) return 0;  // 400 bad_request
  Json again = json::parse(json::serialize(parsed), ec);
  if (ec || !same(parsed, again)) __builtin_trap();
  return 0;
}
