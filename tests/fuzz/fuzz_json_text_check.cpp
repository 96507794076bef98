// downstream::check_json_text against Boost.JSON on any input: the check, a scanner of its own,
// must accept exactly the texts json::parse accepts in which Boost reads every number as finite
// (every number of the text, not of the tree: a duplicate key drops a value from the tree but not
// from the text an answer copies). The one allowed difference: the check refuses numbers within
// 2^-40 of a double's range, which Boost.JSON 1.81 (a few ulps off on long decimals) may read as
// finite in one place and not in another.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "boost_json_verdict.hpp"
#include "downstream/json_text_check.hpp"

using namespace mosaic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto problem = downstream::check_json_text(text);
  const auto boost = testing::boost_json_verdict(text);
  if (!problem.has_value() == boost.accepts()) return 0;
  if (problem && problem->rfind("a number is beyond the range of a double", 0) == 0 &&
      boost.accepts() && boost.largest > 1.7976931348e308)
    return 0;
  __builtin_trap();
}
