// CircuitBreaker: closed -> open at the failure ratio over the window with enough calls; open
// refuses at once; half-open lets probes through; each change logged once at warn and counted.
#include "resilience/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "fake_call_context.hpp"
#include "fake_downstream.hpp"

namespace mosaic::resilience {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::CollectingLogger;
using mosaic::testing::FakeCallContext;
using mosaic::testing::FakeDownstream;
using State = CircuitBreaker::State;

CircuitBreaker::Options options(std::size_t min_calls = 10, double ratio = 0.5) {
  CircuitBreaker::Options o;
  o.failure_ratio = ratio;
  o.min_calls = min_calls;
  o.window = 10s;
  o.open_for = 1s;
  o.half_open_calls = 2;
  return o;
}

// One admitted call with the given verdict at `now`.
void call(CircuitBreaker& breaker, Verdict verdict, Clock::time_point now) {
  auto ticket = breaker.admit(now);
  ASSERT_TRUE(ticket.admitted);
  breaker.record(ticket, verdict, now);
}

std::size_t count_lines(const CollectingLogger& log, const std::string& text) {
  std::size_t n = 0;
  for (const auto& line : log.lines()) n += line.find(text) != std::string::npos;
  return n;
}

TEST(CircuitBreaker, StaysClosedUntilMinCallsThenOpensAtTheRatio) {
  CollectingLogger log;
  auto series = std::make_shared<ResilienceSeries>("breaker-open");
  CircuitBreaker breaker("svc", options(10, 0.5), &log, series);
  const auto t0 = Clock::now();
  for (int i = 0; i < 9; ++i) call(breaker, Verdict::kFailure, t0);
  EXPECT_EQ(breaker.state(), State::kClosed);  // 9 failures, but fewer than min_calls
  call(breaker, Verdict::kFailure, t0);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_EQ(series->to_open.value(), 1u);
  EXPECT_EQ(series->breaker_state.value(), 2);
  EXPECT_EQ(count_lines(log, "warn circuit breaker opened"), 1u);
  EXPECT_TRUE(log.contains("\"downstream\":\"svc\""));
  EXPECT_TRUE(log.contains("\"failures\":10"));
}

TEST(CircuitBreaker, BelowTheRatioItStaysClosed) {
  CircuitBreaker breaker("svc", options(10, 0.5));
  const auto t0 = Clock::now();
  for (int i = 0; i < 12; ++i) call(breaker, Verdict::kSuccess, t0);
  for (int i = 0; i < 11; ++i) call(breaker, Verdict::kFailure, t0);  // 11 / 23 < 0.5
  EXPECT_EQ(breaker.state(), State::kClosed);
  call(breaker, Verdict::kFailure, t0);  // 12 / 24 = 0.5
  EXPECT_EQ(breaker.state(), State::kOpen);
}

TEST(CircuitBreaker, NeutralOutcomesDoNotCount) {
  CircuitBreaker breaker("svc", options(4, 0.5));
  const auto t0 = Clock::now();
  for (int i = 0; i < 100; ++i) call(breaker, Verdict::kNeutral, t0);
  for (int i = 0; i < 3; ++i) call(breaker, Verdict::kFailure, t0);
  EXPECT_EQ(breaker.state(), State::kClosed);
  call(breaker, Verdict::kFailure, t0);
  EXPECT_EQ(breaker.state(), State::kOpen);
}

TEST(CircuitBreaker, FailuresOlderThanTheWindowAreForgotten) {
  CircuitBreaker breaker("svc", options(10, 0.5));
  const auto t0 = Clock::now();
  for (int i = 0; i < 9; ++i) call(breaker, Verdict::kFailure, t0);
  call(breaker, Verdict::kFailure, t0 + 11s);  // the first nine left the window
  EXPECT_EQ(breaker.state(), State::kClosed);
}

TEST(CircuitBreaker, OpenRefusesUntilOpenForThenHalfOpenProbesCloseIt) {
  CollectingLogger log;
  auto series = std::make_shared<ResilienceSeries>("breaker-cycle");
  CircuitBreaker breaker("svc", options(2, 0.5), &log, series);
  const auto t0 = Clock::now();
  call(breaker, Verdict::kFailure, t0);
  call(breaker, Verdict::kFailure, t0);
  ASSERT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.admit(t0 + 500ms).admitted);
  EXPECT_FALSE(breaker.admit(t0 + 999ms).admitted);

  // open_for passed: the next call half-opens; half_open_calls (2) probes pass, a third waits.
  auto p1 = breaker.admit(t0 + 1001ms);
  ASSERT_TRUE(p1.admitted);
  EXPECT_TRUE(p1.probe);
  EXPECT_EQ(breaker.state(), State::kHalfOpen);
  EXPECT_EQ(series->breaker_state.value(), 1);
  auto p2 = breaker.admit(t0 + 1002ms);
  ASSERT_TRUE(p2.admitted);
  EXPECT_FALSE(breaker.admit(t0 + 1003ms).admitted);
  breaker.record(p1, Verdict::kSuccess, t0 + 1010ms);
  EXPECT_EQ(breaker.state(), State::kHalfOpen);
  breaker.record(p2, Verdict::kSuccess, t0 + 1011ms);
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_EQ(series->breaker_state.value(), 0);

  EXPECT_EQ(series->to_open.value(), 1u);
  EXPECT_EQ(series->to_half_open.value(), 1u);
  EXPECT_EQ(series->to_closed.value(), 1u);
  EXPECT_EQ(count_lines(log, "warn circuit breaker opened"), 1u);
  EXPECT_EQ(count_lines(log, "warn circuit breaker half-open"), 1u);
  EXPECT_EQ(count_lines(log, "warn circuit breaker closed"), 1u);
  EXPECT_EQ(log.lines().size(), 3u);

  // Closed again with a fresh window: one failure is not enough to reopen.
  call(breaker, Verdict::kFailure, t0 + 1020ms);
  EXPECT_EQ(breaker.state(), State::kClosed);
}

TEST(CircuitBreaker, AFailedProbeOpensItAgainForAnotherOpenFor) {
  auto series = std::make_shared<ResilienceSeries>("breaker-reopen");
  CircuitBreaker breaker("svc", options(1, 0.5), nullptr, series);
  const auto t0 = Clock::now();
  call(breaker, Verdict::kFailure, t0);
  ASSERT_EQ(breaker.state(), State::kOpen);
  auto probe = breaker.admit(t0 + 1100ms);
  ASSERT_TRUE(probe.admitted);
  breaker.record(probe, Verdict::kFailure, t0 + 1200ms);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.admit(t0 + 2100ms).admitted);  // open_for counts from the failed probe
  EXPECT_TRUE(breaker.admit(t0 + 2201ms).admitted);
  EXPECT_EQ(series->to_open.value(), 2u);
  EXPECT_EQ(series->to_half_open.value(), 2u);
}

TEST(CircuitBreaker, ANeutralProbeLetsAnotherProbeThrough) {
  CircuitBreaker breaker("svc", options(1, 0.5));
  const auto t0 = Clock::now();
  call(breaker, Verdict::kFailure, t0);
  auto p1 = breaker.admit(t0 + 1100ms);
  auto p2 = breaker.admit(t0 + 1100ms);
  ASSERT_TRUE(p1.admitted && p2.admitted);
  EXPECT_FALSE(breaker.admit(t0 + 1100ms).admitted);
  breaker.record(p1, Verdict::kNeutral, t0 + 1101ms);  // e.g. the request was cancelled
  EXPECT_TRUE(breaker.admit(t0 + 1102ms).admitted);
}

TEST(CircuitBreaker, AnOutcomeFromBeforeTheLastChangeIsIgnored) {
  CircuitBreaker breaker("svc", options(1, 0.5));
  const auto t0 = Clock::now();
  auto slow = breaker.admit(t0);  // a slow call admitted while closed
  call(breaker, Verdict::kFailure, t0);
  ASSERT_EQ(breaker.state(), State::kOpen);
  breaker.record(slow, Verdict::kSuccess, t0 + 10ms);  // would look like a recovery
  EXPECT_EQ(breaker.state(), State::kOpen);
}

TEST(BreakerDownstream, AnOpenBreakerFailsAtOnceWithoutCallingTheDownstream) {
  auto series = std::make_shared<ResilienceSeries>("breaker-downstream");
  auto breaker = std::make_shared<CircuitBreaker>("svc", options(5, 0.5), nullptr, series);
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext&) -> CallResult { return Failure::Status(503); });
  BreakerDownstream downstream(fake, breaker, series);
  for (int i = 0; i < 5; ++i) {
    FakeCallContext context;
    EXPECT_EQ(downstream.call(Json(), context).failure().reason(), "status_503");
  }
  ASSERT_EQ(breaker->state(), State::kOpen);
  FakeCallContext context;
  const auto start = Clock::now();
  auto outcome = downstream.call(Json(), context);
  EXPECT_LT(Clock::now() - start, 50ms);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().reason(), "circuit_open");
  EXPECT_EQ(fake->calls(), 5);
  EXPECT_EQ(series->breaker_rejected.value(), 1u);
}

TEST(BreakerDownstream, ClientErrorsAndCancelledCallsDoNotOpenIt) {
  auto breaker = std::make_shared<CircuitBreaker>("svc", options(3, 0.5));
  auto fake = std::make_shared<FakeDownstream>([](int call, CallContext& c) -> CallResult {
    if (call % 2 == 0) return Failure::Status(404);
    return mosaic::testing::hang(c);
  });
  BreakerDownstream downstream(fake, breaker);
  for (int i = 0; i < 10; ++i) {
    FakeCallContext context(10s);
    std::thread canceller;
    if (i % 2 == 1) {
      canceller = std::thread([&] {
        std::this_thread::sleep_for(5ms);
        context.cancel();  // a critical sibling failed
      });
    }
    downstream.call(Json(), context);
    if (canceller.joinable()) canceller.join();
  }
  EXPECT_EQ(breaker->state(), State::kClosed);
  EXPECT_EQ(fake->calls(), 10);
}

TEST(BreakerDownstream, TimeoutsOpenIt) {
  auto breaker = std::make_shared<CircuitBreaker>("svc", options(3, 0.5));
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::hang(c); });
  BreakerDownstream downstream(fake, breaker);
  for (int i = 0; i < 3; ++i) {
    FakeCallContext context(20ms);
    EXPECT_EQ(downstream.call(Json(), context).failure().reason(), "timeout");
  }
  EXPECT_EQ(breaker->state(), State::kOpen);
}

}  // namespace
}  // namespace mosaic::resilience
