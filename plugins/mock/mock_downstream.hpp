#pragma once
// Fixtures with latency and failure injection (mock.so), for demos, tests and benchmarks.
//
// config: latency (duration), jitter (duration: a uniform extra 0..jitter), fail_rate (0..1),
//         hang_rate (0..1: the call waits until cancelled), fail_status (default 503),
//         seed (optional: repeatable randomness)
// with:   body (the result), latency (overrides config), fail (bool), hang (bool),
//         status (fail with that status), size (instead of body: a generated JSON document of
//         about that many bytes, e.g. "5MiB", parsed on every call as a real downstream's body
//         would be -- on the engine's offload pool when it is large)
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "mosaic/sdk.hpp"

namespace mosaic_mock {

struct MockConfig {
  std::chrono::milliseconds latency{0};
  std::chrono::milliseconds jitter{0};
  double fail_rate = 0;
  double hang_rate = 0;
  int fail_status = 503;
  std::optional<std::int64_t> seed;
};

MockConfig read_config(const mosaic::Json& config);

class MockDownstream final : public mosaic::Downstream {
 public:
  explicit MockDownstream(MockConfig config);

  std::vector<std::string> accepted_with_keys() const override;
  bool idempotent(const mosaic::Json& input) const override;
  mosaic::CallResult call(const mosaic::Json& input, mosaic::CallContext& context) override;

 private:
  double uniform();                                                 // [0, 1)
  std::chrono::milliseconds jitter();                               // [0, jitter]
  std::shared_ptr<const std::string> document(std::uint64_t size);  // generated once per size
  static mosaic::CallResult receive(const std::string& text, mosaic::CallContext& context);

  const MockConfig config_;
  std::mutex rng_mutex_;  // one generator per downstream keeps a seeded sequence repeatable
  std::mt19937_64 rng_;
  std::mutex documents_mutex_;
  std::map<std::uint64_t, std::shared_ptr<const std::string>> documents_;
};

}  // namespace mosaic_mock
