#pragma once
// Outcome<T>: a value or a Failure, without exceptions across the plugin boundary.
#include <cassert>
#include <utility>
#include <variant>

#include "mosaic/failure.hpp"

namespace mosaic {

template <class T>
class Outcome {
 public:
  Outcome(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Outcome(Failure failure) : state_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }

  const Failure& failure() const {
    assert(!ok());
    return std::get<1>(state_);
  }
  Failure&& take_failure() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Failure> state_;
};

}  // namespace mosaic
