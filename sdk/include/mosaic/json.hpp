#pragma once
// The JSON value type shared by the engine and every plugin. Pinned by MOSAIC_ABI_VERSION.
#include <boost/json.hpp>
#include <cmath>

namespace mosaic {
namespace json = boost::json;
using Json = boost::json::value;

// False when a number in `value` is infinite or NaN. Boost.JSON 1.81 parses a literal beyond the
// double range (1E400) as infinity and serializes it as `Infinity`, which is not JSON: a value
// taken in from outside is checked with this, so that what Mosaic writes out is always JSON.
inline bool all_numbers_finite(const Json& value) {
  switch (value.kind()) {
    case json::kind::double_:
      return std::isfinite(value.get_double());
    case json::kind::array:
      for (const Json& item : value.get_array())
        if (!all_numbers_finite(item)) return false;
      return true;
    case json::kind::object:
      for (const auto& member : value.get_object())
        if (!all_numbers_finite(member.value())) return false;
      return true;
    default:
      return true;
  }
}

}  // namespace mosaic
