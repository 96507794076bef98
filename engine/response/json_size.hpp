#pragma once
// How many bytes a JSON value takes as text, without writing the text. Used to decide, cheaply,
// whether a payload is large: a log field is replaced by its size, a large response is shaped
// and serialized on the offload pool. Strings count their escapes exactly; a floating-point
// number is counted as its shortest round-trip form, which may differ from Boost.JSON's output
// by a few bytes.
#include <cstddef>
#include <limits>

#include "mosaic/json.hpp"

namespace mosaic::response {

// The size of `value` serialized. The walk stops as soon as the count passes `stop_after`
// (then the result is some number greater than `stop_after`), so asking "is this at least
// 100 KiB?" of a 5 MB document costs about 100 KiB of walking.
std::size_t json_size(const Json& value,
                      std::size_t stop_after = std::numeric_limits<std::size_t>::max());

}  // namespace mosaic::response
