#include "resilience/retry.hpp"

#include <algorithm>
#include <string>

#include "resilience/attempt_context.hpp"
#include "resilience/failure_class.hpp"

namespace mosaic::resilience {

AttemptBudget::AttemptBudget(double ratio, std::chrono::milliseconds window)
    : ratio_(ratio), window_(window) {}

void AttemptBudget::record_call(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  window_.add(now, 0);
}

bool AttemptBudget::try_spend(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto calls = static_cast<double>(window_.count(now, 0));
  const auto spent = static_cast<double>(window_.count(now, 1));
  if (spent + 1 > ratio_ * calls) return false;
  window_.add(now, 1);
  return true;
}

Clock::duration backoff_delay(const RetryPolicy& policy, int retry, std::mt19937_64& random) {
  using std::chrono::microseconds;
  const auto base = std::chrono::duration_cast<microseconds>(policy.backoff);
  const auto cap = std::chrono::duration_cast<microseconds>(policy.max_backoff);
  microseconds ceiling = base;
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  if (ceiling.count() <= 0) return Clock::duration::zero();
  std::uniform_int_distribution<std::int64_t> draw(0, ceiling.count());
  return microseconds(draw(random));
}

namespace {

std::mt19937_64& thread_random() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

}  // namespace

CallResult RetryDownstream::call(const Json& input, CallContext& context) {
  if (policy_.attempts <= 1 || !inner_->idempotent(input)) return inner_->call(input, context);
  budget_->record_call();
  for (int attempt = 1;; ++attempt) {
    const int left = policy_.attempts - attempt + 1;
    Clock::time_point attempt_deadline = context.deadline();
    if (left > 1) {
      const Clock::time_point now = Clock::now();
      const Clock::duration share = policy_.attempt_timeout
                                        ? Clock::duration(*policy_.attempt_timeout)
                                        : (context.deadline() - now) / left;
      attempt_deadline = std::min(context.deadline(), now + share);
    }
    bool attempt_timed_out = false;
    CallResult result = [&] {
      AttemptContext scope(context, attempt_deadline);
      CallResult r = inner_->call(input, scope);
      attempt_timed_out =
          !r.ok() && r.failure().kind == FailureKind::kTimeout && scope.own_deadline_passed();
      return r;
    }();
    if (result.ok() || attempt >= policy_.attempts || context.cancelled()) return result;
    if (!attempt_timed_out && !is_retryable(result.failure())) return result;
    const Clock::duration delay = backoff_delay(policy_, attempt, thread_random());
    if (Clock::now() + delay >= context.deadline()) return result;  // never past the deadline
    if (!budget_->try_spend()) {
      if (series_) series_->retry_budget_exhausted.inc();
      return result;
    }
    if (series_) series_->retries.inc();
    if (context.logger().enabled(LogLevel::kDebug)) {
      context.logger().debug(
          "retrying a downstream call",
          {{"attempt", attempt + 1},
           {"after", result.failure().reason()},
           {"backoff_ms", std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()}});
    }
    if (delay > Clock::duration::zero() && !context.wait_for(delay)) return context.interruption();
  }
}

}  // namespace mosaic::resilience
