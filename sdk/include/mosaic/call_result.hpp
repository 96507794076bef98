#pragma once
// What Downstream::call returns: a JSON value, JSON text as the downstream sent it, or a Failure.
#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "mosaic/failure.hpp"
#include "mosaic/json.hpp"

namespace mosaic {

// A body that should hold one JSON value, handed over as received. The engine checks it (a body
// that is not JSON, or has a number beyond a double, fails the call with bad_response before any
// resilience layer sees it) and parses it only when a template reads inside it: a result placed
// whole into the answer, stored in the cache or delivered later is copied as text, never built as
// a tree and written out again. Plugins that receive JSON should return it this way.
struct JsonText {
  std::string text;
};

class CallResult {
 public:
  CallResult(Json value)  // NOLINT: implicit by design, like Outcome
      : state_(std::in_place_index<0>, std::move(value)) {}
  CallResult(JsonText text) : state_(std::in_place_index<1>, std::move(text)) {}       // NOLINT
  CallResult(Failure failure) : state_(std::in_place_index<2>, std::move(failure)) {}  // NOLINT

  bool ok() const { return state_.index() != 2; }
  explicit operator bool() const { return ok(); }

  // True when the value is held as JSON text (text()), false when as a tree (value()).
  bool is_text() const { return state_.index() == 1; }

  Json& value() & {
    assert(ok() && !is_text());
    return std::get<0>(state_);
  }
  const Json& value() const& {
    assert(ok() && !is_text());
    return std::get<0>(state_);
  }
  Json&& value() && {
    assert(ok() && !is_text());
    return std::get<0>(std::move(state_));
  }

  std::string_view text() const {
    assert(is_text());
    return std::get<1>(state_).text;
  }
  std::string&& take_text() && {
    assert(is_text());
    return std::move(std::get<1>(state_).text);
  }

  const Failure& failure() const {
    assert(!ok());
    return std::get<2>(state_);
  }
  Failure&& take_failure() && {
    assert(!ok());
    return std::get<2>(std::move(state_));
  }

 private:
  std::variant<Json, JsonText, Failure> state_;
};

}  // namespace mosaic
