#pragma once
// What Boost.JSON says of a text, for holding downstream::check_json_text to it: whether
// json::parse accepts it (same options, so the same grammar, depth limit and UTF-8 rules), and how
// it reads every number in it. Every number, not the tree's: a value replaced by a later duplicate
// key is gone from the tree but still in the text, which is what an answer copies.
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <string_view>

#include "downstream/json_null_handler.hpp"
#include "mosaic/json.hpp"

namespace mosaic::testing {

struct BoostJsonVerdict {
  bool parses = false;         // json::parse accepts the text
  bool numbers_finite = true;  // every number in it reads as a finite double
  double largest = 0;          // the largest magnitude of a number read as a double
  bool accepts() const { return parses && numbers_finite; }
};

namespace detail {

struct VerdictHandler : downstream::JsonNullHandler {
  BoostJsonVerdict verdict;
  bool on_double(double d, SV, error_code&) {
    if (!std::isfinite(d)) verdict.numbers_finite = false;
    if (std::isfinite(d) && std::fabs(d) > verdict.largest) verdict.largest = std::fabs(d);
    return true;
  }
};

}  // namespace detail

inline BoostJsonVerdict boost_json_verdict(std::string_view text) {
  json::basic_parser<detail::VerdictHandler> parser(json::parse_options{});
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  BoostJsonVerdict verdict = parser.handler().verdict;
  verdict.parses = !ec && used == text.size();
  return verdict;
}

}  // namespace mosaic::testing
