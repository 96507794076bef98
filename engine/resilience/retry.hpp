#pragma once
// Retries per downstream, for idempotent calls only (Downstream::idempotent(input)).
//
// What is retried: connect failures, 5xx and 429 answers, and an attempt that ran out of its own
// share of the time while the call still has time left. Nothing else: a timeout of the call
// itself, a cancellation, a reset mid-answer or a 4xx end the call.
//
// Time: attempt k of n gets (time left) / (n - k + 1), or retry.attempt_timeout when set, and the
// last attempt gets everything that is left, so an attempt that hangs still leaves time for the
// next. Between attempts: exponential backoff with full jitter, a uniform draw in
// [0, min(max_backoff, backoff * 2^(retry-1))]. A retry whose backoff would end past the call's
// deadline is not made.
//
// Budget: over the last 10 s, retries may be at most `budget` times the calls (0.1: one retry per
// ten calls), so that during an outage retries cannot multiply the load on the downstream.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>

#include "mosaic/call_context.hpp"
#include "resilience/forwarding_downstream.hpp"
#include "resilience/resilience_series.hpp"
#include "resilience/sliding_window.hpp"

namespace mosaic::resilience {

// Extra attempts (retries, hedges) as a share of the calls over a sliding window.
class AttemptBudget {
 public:
  explicit AttemptBudget(double ratio, std::chrono::milliseconds window = std::chrono::seconds(10));
  void record_call(Clock::time_point now = Clock::now());
  // True (and counted) when one more extra attempt stays within ratio * calls.
  bool try_spend(Clock::time_point now = Clock::now());
  double ratio() const { return ratio_; }

 private:
  const double ratio_;
  std::mutex mutex_;
  SlidingWindow window_;  // 0: calls, 1: extra attempts
};

struct RetryPolicy {
  int attempts = 2;
  std::chrono::milliseconds backoff{25};
  std::chrono::milliseconds max_backoff{250};
  std::optional<std::chrono::milliseconds> attempt_timeout;
};

// The pause before retry number `retry` (1 for the first retry).
Clock::duration backoff_delay(const RetryPolicy& policy, int retry, std::mt19937_64& random);

class RetryDownstream final : public ForwardingDownstream {
 public:
  RetryDownstream(std::shared_ptr<Downstream> inner, RetryPolicy policy,
                  std::shared_ptr<AttemptBudget> budget,
                  std::shared_ptr<ResilienceSeries> series = nullptr)
      : ForwardingDownstream(std::move(inner)),
        policy_(policy),
        budget_(std::move(budget)),
        series_(std::move(series)) {}
  CallResult call(const Json& input, CallContext& context) override;

 private:
  const RetryPolicy policy_;
  const std::shared_ptr<AttemptBudget> budget_;
  const std::shared_ptr<ResilienceSeries> series_;
};

}  // namespace mosaic::resilience
