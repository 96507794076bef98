// RetryDownstream: idempotent calls only; connect failures, 5xx/429 and timed-out attempts only;
// backoff with full jitter; never past the deadline; a budget that runs out.
#include "resilience/retry.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "fake_call_context.hpp"
#include "fake_downstream.hpp"

namespace mosaic::resilience {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::FakeCallContext;
using mosaic::testing::FakeDownstream;

template <class T>
std::string reason(const T& outcome) {
  return outcome.ok() ? "ok" : outcome.failure().reason();
}

RetryPolicy policy(int attempts, std::chrono::milliseconds backoff = 1ms,
                   std::chrono::milliseconds cap = 2ms) {
  RetryPolicy p;
  p.attempts = attempts;
  p.backoff = backoff;
  p.max_backoff = cap;
  return p;
}

// Fails with `failure` for the first `failures` calls, then answers.
std::shared_ptr<FakeDownstream> failing_then_ok(int failures, Failure failure,
                                                bool idempotent = true) {
  return std::make_shared<FakeDownstream>(
      [=](int call, CallContext&) -> CallResult {
        if (call < failures) return failure;
        return mosaic::testing::answer();
      },
      idempotent);
}

TEST(Retry, RetriesConnectFailuresAndOverloadStatusesUntilAnAnswer) {
  for (const Failure& failure : {Failure::Of(FailureKind::kConnectFailed), Failure::Status(503),
                                 Failure::Status(500), Failure::Status(429)}) {
    auto series = std::make_shared<ResilienceSeries>("retry-" + failure.reason());
    auto fake = failing_then_ok(2, failure);
    RetryDownstream downstream(fake, policy(3), std::make_shared<AttemptBudget>(10.0), series);
    FakeCallContext context(5s);
    EXPECT_EQ(reason(downstream.call(Json(), context)), "ok") << failure.reason();
    EXPECT_EQ(fake->calls(), 3) << failure.reason();
    EXPECT_EQ(series->retries.value(), 2u) << failure.reason();
  }
}

TEST(Retry, GivesUpAfterTheLastAttemptWithItsFailure) {
  auto fake = failing_then_ok(10, Failure::Status(503));
  RetryDownstream downstream(fake, policy(3), std::make_shared<AttemptBudget>(10.0));
  FakeCallContext context(5s);
  EXPECT_EQ(reason(downstream.call(Json(), context)), "status_503");
  EXPECT_EQ(fake->calls(), 3);
}

TEST(Retry, DoesNotRetryWhatAnotherAttemptCannotFix) {
  for (const Failure& failure :
       {Failure::Status(404), Failure::Status(400), Failure::Of(FailureKind::kUnavailable),
        Failure::Of(FailureKind::kBadResponse), Failure::Of(FailureKind::kBadInput),
        Failure::Of(FailureKind::kShed), Failure::Cancelled(), Failure::Timeout()}) {
    auto fake = failing_then_ok(1, failure);
    RetryDownstream downstream(fake, policy(3), std::make_shared<AttemptBudget>(10.0));
    FakeCallContext context(5s);
    EXPECT_EQ(reason(downstream.call(Json(), context)), failure.reason());
    EXPECT_EQ(fake->calls(), 1) << failure.reason();
  }
}

TEST(Retry, NeverRetriesANonIdempotentCall) {
  auto fake = failing_then_ok(1, Failure::Status(503), /*idempotent=*/false);
  RetryDownstream downstream(fake, policy(3), std::make_shared<AttemptBudget>(10.0));
  FakeCallContext context(5s);
  EXPECT_EQ(reason(downstream.call(Json(), context)), "status_503");
  EXPECT_EQ(fake->calls(), 1);
}

TEST(Retry, EachAttemptGetsAShareOfTheTimeAndATimedOutAttemptIsRetried) {
  auto fake = std::make_shared<FakeDownstream>([](int call, CallContext& c) -> CallResult {
    if (call == 0) return mosaic::testing::hang(c);  // stops at its share of the time
    return mosaic::testing::answer();
  });
  auto series = std::make_shared<ResilienceSeries>("retry-attempt-timeout");
  RetryDownstream downstream(fake, policy(2), std::make_shared<AttemptBudget>(10.0), series);
  FakeCallContext context(600ms);
  const auto start = Clock::now();
  EXPECT_EQ(reason(downstream.call(Json(), context)), "ok");
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 250ms);  // the first attempt had half of 600 ms
  EXPECT_LT(took, 590ms);
  const auto deadlines = fake->deadlines();
  ASSERT_EQ(deadlines.size(), 2u);
  EXPECT_LT(deadlines[0], context.deadline() - 200ms);
  EXPECT_EQ(deadlines[1], context.deadline());  // the last attempt has everything left
  EXPECT_EQ(series->retries.value(), 1u);
  EXPECT_EQ(fake->interrupted(), 1);
}

TEST(Retry, AttemptTimeoutSetsEachAttemptsDeadline) {
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::hang(c); });
  RetryPolicy p = policy(3);
  p.attempt_timeout = 50ms;
  RetryDownstream downstream(fake, p, std::make_shared<AttemptBudget>(10.0));
  FakeCallContext context(2s);
  const auto start = Clock::now();
  EXPECT_EQ(reason(downstream.call(Json(), context)), "timeout");
  // Two attempts of 50 ms, then the last one gets what is left: the call ends at its deadline.
  EXPECT_GE(Clock::now() - start, 1900ms);
  EXPECT_EQ(fake->calls(), 3);
  const auto deadlines = fake->deadlines();
  EXPECT_LT(deadlines[0] - start, 100ms);
  EXPECT_LT(deadlines[1] - start, 200ms);
  EXPECT_EQ(deadlines[2], context.deadline());
}

TEST(Retry, TheCallsOwnTimeoutIsNotRetriedAndTheDeadlineHolds) {
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::hang(c); });
  RetryDownstream downstream(fake, policy(2), std::make_shared<AttemptBudget>(10.0));
  FakeCallContext context(300ms);
  const auto start = Clock::now();
  EXPECT_EQ(reason(downstream.call(Json(), context)), "timeout");
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 800ms);
  EXPECT_EQ(fake->calls(), 2);  // the first attempt's share, then the last attempt to the deadline
}

TEST(Retry, ARetryWhoseBackoffEndsPastTheDeadlineIsNotMade) {
  auto fake = failing_then_ok(1, Failure::Status(503));
  RetryDownstream downstream(fake, policy(3, 10s, 10s), std::make_shared<AttemptBudget>(10.0));
  FakeCallContext context(200ms);
  const auto start = Clock::now();
  // The draw is uniform in [0, 10 s]: past a 200 ms deadline almost surely; when it is not, the
  // retry is made and answers. Either way the call ends by the deadline.
  auto outcome = downstream.call(Json(), context);
  EXPECT_LT(Clock::now() - start, 400ms);
  if (!outcome.ok()) {
    EXPECT_EQ(reason(outcome), "status_503");
    EXPECT_EQ(fake->calls(), 1);
  }
}

TEST(Retry, ACancelledCallStopsDuringTheBackoff) {
  // The backoff draw is uniform in [0, 5 s]; one under 100 ms retries before the cancel: try again.
  for (int i = 0; i < 20; ++i) {
    auto fake = failing_then_ok(1, Failure::Status(503));
    RetryDownstream downstream(fake, policy(2, 5s, 5s), std::make_shared<AttemptBudget>(10.0));
    FakeCallContext context(30s);
    std::thread canceller([&] {
      std::this_thread::sleep_for(100ms);
      context.cancel();
    });
    const auto start = Clock::now();
    auto outcome = downstream.call(Json(), context);
    const auto took = Clock::now() - start;
    canceller.join();
    if (outcome.ok()) continue;
    EXPECT_EQ(reason(outcome), "cancelled");
    EXPECT_LT(took, 1s);
    EXPECT_EQ(fake->calls(), 1);
    return;
  }
  FAIL() << "every backoff draw was under 100 ms";
}

TEST(Retry, TheBudgetCapsRetriesAtItsShareOfCalls) {
  auto series = std::make_shared<ResilienceSeries>("retry-budget");
  auto fake = failing_then_ok(1000000, Failure::Status(503));
  RetryDownstream downstream(fake, policy(2, 0ms, 0ms), std::make_shared<AttemptBudget>(0.1),
                             series);
  for (int i = 0; i < 100; ++i) {
    FakeCallContext context(5s);
    EXPECT_EQ(reason(downstream.call(Json(), context)), "status_503");
  }
  EXPECT_EQ(series->retries.value(), 10u);  // 0.1 x 100 calls
  EXPECT_EQ(series->retry_budget_exhausted.value(), 90u);
  EXPECT_EQ(fake->calls(), 110);
}

TEST(AttemptBudget, SpendsUpToTheRatioOfCallsInTheWindow) {
  AttemptBudget budget(0.5, 1s);
  const auto t0 = Clock::now();
  EXPECT_FALSE(budget.try_spend(t0));  // no calls, no budget
  budget.record_call(t0);
  budget.record_call(t0);
  EXPECT_TRUE(budget.try_spend(t0));
  EXPECT_FALSE(budget.try_spend(t0));
  budget.record_call(t0);
  budget.record_call(t0);
  EXPECT_TRUE(budget.try_spend(t0));
  // The window moved on: old calls and retries are gone.
  EXPECT_FALSE(budget.try_spend(t0 + 2s));
  budget.record_call(t0 + 2s);
  budget.record_call(t0 + 2s);
  EXPECT_TRUE(budget.try_spend(t0 + 2s));
}

TEST(Backoff, ExponentialWithFullJitterUnderTheCap) {
  RetryPolicy p = policy(5, 10ms, 50ms);
  std::mt19937_64 random(42);
  const std::chrono::milliseconds ceilings[] = {10ms, 20ms, 40ms, 50ms, 50ms};
  for (int retry = 1; retry <= 5; ++retry) {
    Clock::duration sum{0};
    Clock::duration largest{0};
    for (int i = 0; i < 2000; ++i) {
      const auto d = backoff_delay(p, retry, random);
      ASSERT_GE(d, Clock::duration::zero());
      ASSERT_LE(d, ceilings[retry - 1]);
      sum += d;
      largest = std::max(largest, d);
    }
    const auto mean = sum / 2000;
    // Full jitter: uniform over [0, ceiling], so the mean is near half the ceiling.
    EXPECT_GT(mean, ceilings[retry - 1] * 4 / 10) << "retry " << retry;
    EXPECT_LT(mean, ceilings[retry - 1] * 6 / 10) << "retry " << retry;
    EXPECT_GT(largest, ceilings[retry - 1] * 9 / 10) << "retry " << retry;
  }
}

}  // namespace
}  // namespace mosaic::resilience
