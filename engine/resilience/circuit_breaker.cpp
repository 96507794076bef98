#include "resilience/circuit_breaker.hpp"

#include <optional>
#include <utility>

namespace mosaic::resilience {

const char* to_string(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
    case CircuitBreaker::State::kOpen:
      return "open";
  }
  return "?";
}

CircuitBreaker::CircuitBreaker(std::string downstream, Options options, Logger* logger,
                               std::shared_ptr<ResilienceSeries> series)
    : downstream_(std::move(downstream)),
      options_(options),
      logger_(logger),
      series_(std::move(series)),
      window_(options.window) {
  if (series_) series_->breaker_state.set(static_cast<std::int64_t>(State::kClosed));
}

CircuitBreaker::Ticket CircuitBreaker::admit(Clock::time_point now) {
  std::optional<Change> change;
  Ticket ticket;
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::kOpen && now >= open_until_) change = move_to(State::kHalfOpen, now);
    if (state_ == State::kClosed) {
      ticket = {true, false, epoch_};
    } else if (state_ == State::kHalfOpen && probes_started_ < options_.half_open_calls) {
      ++probes_started_;
      ticket = {true, true, epoch_};
    }
  }
  if (change) announce(*change);
  return ticket;
}

void CircuitBreaker::record(const Ticket& ticket, Verdict verdict, Clock::time_point now) {
  if (!ticket.admitted) return;
  std::optional<Change> change;
  {
    std::lock_guard lock(mutex_);
    if (ticket.epoch != epoch_) return;  // admitted before the last state change
    if (state_ == State::kClosed) {
      if (verdict == Verdict::kNeutral) return;
      window_.add(now, verdict == Verdict::kFailure ? 1 : 0);
      if (verdict == Verdict::kFailure) {
        const std::uint64_t failures = window_.count(now, 1);
        const std::uint64_t calls = failures + window_.count(now, 0);
        if (calls >= options_.min_calls &&
            static_cast<double>(failures) >= options_.failure_ratio * static_cast<double>(calls)) {
          change = move_to(State::kOpen, now);
          change->failures = failures;
          change->calls = calls;
        }
      }
    } else if (state_ == State::kHalfOpen && ticket.probe) {
      if (verdict == Verdict::kNeutral) {
        --probes_started_;  // says nothing: let another probe through
      } else if (verdict == Verdict::kFailure) {
        change = move_to(State::kOpen, now);
      } else if (++probe_successes_ >= options_.half_open_calls) {
        change = move_to(State::kClosed, now);
      }
    }
  }
  if (change) announce(*change);
}

CircuitBreaker::Change CircuitBreaker::move_to(State to, Clock::time_point now) {
  Change change{state_, to};
  state_ = to;
  ++epoch_;
  probes_started_ = 0;
  probe_successes_ = 0;
  if (to == State::kOpen) open_until_ = now + options_.open_for;
  if (to == State::kClosed) window_.clear();
  return change;
}

void CircuitBreaker::announce(const Change& change) {
  if (series_) {
    series_->breaker_state.set(static_cast<std::int64_t>(change.to));
    (change.to == State::kOpen       ? series_->to_open
     : change.to == State::kHalfOpen ? series_->to_half_open
                                     : series_->to_closed)
        .inc();
  }
  if (!logger_) return;
  json::object fields{
      {"downstream", downstream_}, {"from", to_string(change.from)}, {"to", to_string(change.to)}};
  if (change.to == State::kOpen) {
    fields["open_for_ms"] = options_.open_for.count();
    if (change.calls > 0) {
      fields["failures"] = change.failures;
      fields["calls"] = change.calls;
    }
  }
  const char* message =
      change.to == State::kOpen       ? "circuit breaker opened: calls fail fast with circuit_open"
      : change.to == State::kHalfOpen ? "circuit breaker half-open: probing the downstream"
                                      : "circuit breaker closed: the downstream recovered";
  logger_->warn(message, fields);
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

CallResult BreakerDownstream::call(const Json& input, CallContext& context) {
  const CircuitBreaker::Ticket ticket = breaker_->admit();
  if (!ticket.admitted) {
    if (series_) series_->breaker_rejected.inc();
    return Failure::Of(FailureKind::kCircuitOpen, "the circuit breaker is open");
  }
  // Recorded exactly once, neutral if the plugin throws (the executor turns that into `error`).
  struct Outcome {
    CircuitBreaker& breaker;
    const CircuitBreaker::Ticket& ticket;
    Verdict verdict = Verdict::kNeutral;
    ~Outcome() { breaker.record(ticket, verdict); }
  } outcome{*breaker_, ticket};
  CallResult result = inner_->call(input, context);
  outcome.verdict = verdict_of(result.ok() ? nullptr : &result.failure());
  // A call the request gave up on (a critical sibling failed) says nothing about the downstream,
  // whatever the plugin made of its closed socket. Time that ran out does count.
  if (outcome.verdict == Verdict::kFailure && context.cancelled() &&
      context.interruption().kind == FailureKind::kCancelled) {
    outcome.verdict = Verdict::kNeutral;
  }
  return result;
}

}  // namespace mosaic::resilience
