#pragma once
// A circuit breaker per downstream.
//
//   closed     calls pass; outcomes go into a sliding window. When the window holds at least
//              min_calls outcomes and the share of failures reaches failure_ratio -> open.
//   open       every call fails at once with reason `circuit_open`; after open_for the next
//              call moves the breaker to half_open.
//   half_open  up to half_open_calls probes pass (others: circuit_open). All of them
//              succeeding -> closed (fresh window); any failing -> open again.
//
// What counts (resilience/failure_class.hpp): timeouts, connect failures, resets, garbage and
// 5xx/429 are failures; answers (4xx included) are successes; local refusals, cancellations and
// plugin errors are neither. An outcome of a call admitted before the last state change is
// ignored, so a slow call started while closed cannot reopen a breaker that already closed again.
//
// Each state change is logged once at warn and counted.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "mosaic/call_context.hpp"
#include "resilience/failure_class.hpp"
#include "resilience/forwarding_downstream.hpp"
#include "resilience/resilience_series.hpp"
#include "resilience/sliding_window.hpp"

namespace mosaic::resilience {

class CircuitBreaker {
 public:
  struct Options {
    double failure_ratio = 0.5;
    std::size_t min_calls = 20;
    std::chrono::milliseconds window{10000};
    std::chrono::milliseconds open_for{5000};
    std::size_t half_open_calls = 3;
  };
  enum class State { kClosed = 0, kHalfOpen = 1, kOpen = 2 };

  // `logger` (may be null) gets the state changes; it must outlive the breaker.
  CircuitBreaker(std::string downstream, Options options, Logger* logger = nullptr,
                 std::shared_ptr<ResilienceSeries> series = nullptr);
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Permission for one call. Every admitted ticket must be given back to record() exactly once.
  struct Ticket {
    bool admitted = false;
    bool probe = false;
    std::uint64_t epoch = 0;
  };
  Ticket admit(Clock::time_point now = Clock::now());
  void record(const Ticket& ticket, Verdict verdict, Clock::time_point now = Clock::now());

  State state() const;
  const Options& options() const { return options_; }

 private:
  struct Change {
    State from, to;
    std::uint64_t failures = 0, calls = 0;
  };
  Change move_to(State to, Clock::time_point now);  // mutex_ held
  void announce(const Change& change);              // after unlocking

  const std::string downstream_;
  const Options options_;
  Logger* const logger_;
  const std::shared_ptr<ResilienceSeries> series_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  std::uint64_t epoch_ = 0;  // bumped on every state change
  SlidingWindow window_;     // 0: successes, 1: failures (closed state)
  Clock::time_point open_until_{};
  std::size_t probes_started_ = 0;
  std::size_t probe_successes_ = 0;
};

const char* to_string(CircuitBreaker::State state);

class BreakerDownstream final : public ForwardingDownstream {
 public:
  BreakerDownstream(std::shared_ptr<Downstream> inner, std::shared_ptr<CircuitBreaker> breaker,
                    std::shared_ptr<ResilienceSeries> series = nullptr)
      : ForwardingDownstream(std::move(inner)),
        breaker_(std::move(breaker)),
        series_(std::move(series)) {}
  CallResult call(const Json& input, CallContext& context) override;

 private:
  const std::shared_ptr<CircuitBreaker> breaker_;
  const std::shared_ptr<ResilienceSeries> series_;
};

}  // namespace mosaic::resilience
