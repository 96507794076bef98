#pragma once
// The base of every resilience decorator: a Downstream that answers the config-time questions
// (with: keys, interpolation, idempotency) as the downstream it wraps does.
#include <memory>
#include <utility>

#include "mosaic/downstream.hpp"

namespace mosaic::resilience {

class ForwardingDownstream : public Downstream {
 public:
  explicit ForwardingDownstream(std::shared_ptr<Downstream> inner) : inner_(std::move(inner)) {}

  std::vector<std::string> accepted_with_keys() const override {
    return inner_->accepted_with_keys();
  }
  Interpolation interpolation_for(std::span<const std::string> with_path) const override {
    return inner_->interpolation_for(with_path);
  }
  bool idempotent(const Json& input) const override { return inner_->idempotent(input); }

  const Downstream& inner() const { return *inner_; }

 protected:
  const std::shared_ptr<Downstream> inner_;
};

}  // namespace mosaic::resilience
