#pragma once
// The base of every resilience decorator: a Downstream that answers the config-time questions
// (with: keys, interpolation, idempotency, stopping at the deadline) as the downstream it wraps
// does.
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
  // Every decorator waits only through the context (retry backoff, bulkhead queue, the hedge's
  // race), so the chain stops at the deadline exactly when the plugin's downstream does.
  bool stops_at_deadline() const override { return inner_->stops_at_deadline(); }

  const Downstream& inner() const { return *inner_; }

 protected:
  const std::shared_ptr<Downstream> inner_;
};

}  // namespace mosaic::resilience
