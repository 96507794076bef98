#pragma once
// A small downstream: answers {"message": "<greeting>, <name><punctuation>"}.
//
// config: greeting (text, default "Hello"), punctuation (default "!"),
//         latency (duration, default 0ms: pretends to be a remote call)
// with:   name (required, a non-empty string)
//
// Replace the body of call() with your service's client; keep the rules it shows: read every
// config key through ConfigReader (a typo is an error), refuse bad input with a Failure, and
// stop as soon as the context is cancelled or its deadline passes.
#include <chrono>
#include <string>
#include <vector>

#include "mosaic/sdk.hpp"

namespace greeting {

struct GreetingConfig {
  std::string greeting = "Hello";
  std::string punctuation = "!";
  std::chrono::milliseconds latency{0};
};

// Throws mosaic::ConfigError naming the key ("greeting", "latency"...) on a bad value.
GreetingConfig read_config(const mosaic::Json& config);

// Shared by every request and called from many threads at once: keep it immutable.
class GreetingDownstream final : public mosaic::Downstream {
 public:
  explicit GreetingDownstream(GreetingConfig config);

  std::vector<std::string> accepted_with_keys() const override;
  bool idempotent(const mosaic::Json& input) const override;
  mosaic::CallResult call(const mosaic::Json& input, mosaic::CallContext& context) override;

 private:
  const GreetingConfig config_;
};

}  // namespace greeting
