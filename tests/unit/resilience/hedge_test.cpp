// HedgeDownstream: a second attempt after `after` for idempotent calls; the first answer wins and
// the other attempt is cancelled through its own scope.
#include "resilience/hedge.hpp"

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

struct Hedged {
  explicit Hedged(const std::string& name, FakeDownstream::Script script,
                  std::chrono::milliseconds after = 30ms, double budget = 1.0,
                  bool idempotent = true)
      : series(std::make_shared<ResilienceSeries>(name)),
        fake(std::make_shared<FakeDownstream>(std::move(script), idempotent)),
        downstream(fake, HedgePolicy{after}, std::make_shared<AttemptBudget>(budget), series) {}
  std::shared_ptr<ResilienceSeries> series;
  std::shared_ptr<FakeDownstream> fake;
  HedgeDownstream downstream;
};

TEST(Hedge, ASlowFirstAttemptLosesToTheHedgeAndIsCancelled) {
  Hedged h("hedge-wins", [](int call, CallContext& c) -> CallResult {
    if (call == 0) return mosaic::testing::hang(c);
    return mosaic::testing::answer(Json("from the hedge"));
  });
  FakeCallContext context(5s);
  const auto start = Clock::now();
  auto outcome = h.downstream.call(Json(), context);
  const auto took = Clock::now() - start;
  ASSERT_TRUE(outcome.ok()) << outcome.failure().reason();
  EXPECT_EQ(outcome.value(), Json("from the hedge"));
  EXPECT_GE(took, 25ms);
  EXPECT_LT(took, 1s);  // not the 5 s the first attempt would have hung
  EXPECT_EQ(h.fake->calls(), 2);
  EXPECT_EQ(h.fake->interrupted(), 1);  // the loser heard its cancellation and returned
  EXPECT_EQ(h.fake->running(), 0);
  EXPECT_EQ(h.series->hedges_fired.value(), 1u);
  EXPECT_EQ(h.series->hedges_won.value(), 1u);
  EXPECT_FALSE(context.cancelled());
  EXPECT_EQ(context.active_registrations(), 0u);
}

TEST(Hedge, WhenTheFirstAttemptAnswersFirstTheHedgeIsCancelled) {
  Hedged h(
      "hedge-loses",
      [](int call, CallContext& c) -> CallResult {
        if (call == 0) return mosaic::testing::answer_after(100ms, c);
        return mosaic::testing::hang(c);
      },
      20ms);
  FakeCallContext context(5s);
  const auto start = Clock::now();
  auto outcome = h.downstream.call(Json(), context);
  EXPECT_EQ(reason(outcome), "ok");
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_EQ(h.fake->calls(), 2);
  EXPECT_EQ(h.fake->interrupted(), 1);
  EXPECT_EQ(h.fake->running(), 0);
  EXPECT_EQ(h.series->hedges_fired.value(), 1u);
  EXPECT_EQ(h.series->hedges_won.value(), 0u);
}

TEST(Hedge, AFastAnswerNeedsNoHedge) {
  Hedged h("hedge-fast", [](int, CallContext&) { return mosaic::testing::answer(); });
  for (int i = 0; i < 20; ++i) {
    FakeCallContext context(5s);
    EXPECT_EQ(reason(h.downstream.call(Json(), context)), "ok");
  }
  std::this_thread::sleep_for(60ms);  // past `after`: a timer that was not cancelled would fire now
  EXPECT_EQ(h.fake->calls(), 20);
  EXPECT_EQ(h.series->hedges_fired.value(), 0u);
}

TEST(Hedge, NeverForANonIdempotentCall) {
  Hedged h(
      "hedge-post", [](int, CallContext& c) { return mosaic::testing::answer_after(100ms, c); },
      10ms, 1.0,
      /*idempotent=*/false);
  FakeCallContext context(5s);
  EXPECT_EQ(reason(h.downstream.call(Json(), context)), "ok");
  EXPECT_EQ(h.fake->calls(), 1);
  EXPECT_EQ(h.series->hedges_fired.value(), 0u);
}

TEST(Hedge, AFailedFirstAttemptWaitsForTheHedge) {
  Hedged h(
      "hedge-first-fails",
      [](int call, CallContext& c) -> CallResult {
        if (call == 0) {
          if (!c.wait_for(80ms)) return c.interruption();
          return Failure::Status(503);
        }
        return mosaic::testing::answer_after(100ms, c);
      },
      20ms);
  FakeCallContext context(5s);
  EXPECT_EQ(reason(h.downstream.call(Json(), context)), "ok");
  EXPECT_EQ(h.series->hedges_won.value(), 1u);
  EXPECT_EQ(h.fake->interrupted(), 0);
}

TEST(Hedge, BothFailingGivesTheFirstAttemptsFailure) {
  Hedged h(
      "hedge-both-fail",
      [](int call, CallContext& c) -> CallResult {
        if (!c.wait_for(call == 0 ? 60ms : 10ms)) return c.interruption();
        return Failure::Status(call == 0 ? 503 : 502);
      },
      20ms);
  FakeCallContext context(5s);
  EXPECT_EQ(reason(h.downstream.call(Json(), context)), "status_503");
  EXPECT_EQ(h.series->hedges_won.value(), 0u);
}

TEST(Hedge, CancellingTheCallStopsBothAttempts) {
  Hedged h(
      "hedge-cancel", [](int, CallContext& c) { return mosaic::testing::hang(c); }, 20ms);
  FakeCallContext context(10s);
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    context.cancel();
  });
  const auto start = Clock::now();
  EXPECT_EQ(reason(h.downstream.call(Json(), context)), "cancelled");
  EXPECT_LT(Clock::now() - start, 1s);
  canceller.join();
  EXPECT_EQ(h.fake->calls(), 2);
  EXPECT_EQ(h.fake->interrupted(), 2);
  EXPECT_EQ(h.fake->running(), 0);
}

TEST(Hedge, TheBudgetLimitsHedges) {
  // Every call is slow, so every call would like a hedge.
  Hedged h(
      "hedge-budget", [](int, CallContext& c) { return mosaic::testing::answer_after(40ms, c); },
      5ms,
      /*budget=*/0.2);
  for (int i = 0; i < 10; ++i) {
    FakeCallContext context(5s);
    EXPECT_EQ(reason(h.downstream.call(Json(), context)), "ok");
  }
  EXPECT_LE(h.series->hedges_fired.value(), 2u);  // 0.2 x 10 calls
  EXPECT_GE(h.series->hedges_fired.value(), 1u);
  EXPECT_GE(h.series->hedges_skipped_budget.value(), 8u);
}

TEST(Hedge, NoHedgeWhenTheDeadlineComesBeforeAfter) {
  Hedged h(
      "hedge-short", [](int, CallContext& c) { return mosaic::testing::hang(c); }, 200ms);
  FakeCallContext context(50ms);
  EXPECT_EQ(reason(h.downstream.call(Json(), context)), "timeout");
  EXPECT_EQ(h.fake->calls(), 1);
}

TEST(Hedge, ManyConcurrentHedgedCallsAllEndAndLeaveNothingRunning) {
  Hedged h(
      "hedge-storm",
      [](int call, CallContext& c) -> CallResult {
        if (call % 3 == 0) return mosaic::testing::hang(c);
        return mosaic::testing::answer_after(std::chrono::milliseconds(call % 7), c);
      },
      3ms);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        FakeCallContext context(300ms);
        if (h.downstream.call(Json(), context).ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(ok.load(), 80);  // a call whose two attempts both hang times out
  EXPECT_EQ(h.fake->running(), 0);
}

}  // namespace
}  // namespace mosaic::resilience
