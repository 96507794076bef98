// Bulkhead: at most max_concurrent in flight, at most max_queue waiting up to queue_timeout,
// everything else shed at once.
#include "resilience/bulkhead.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

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

// Generous bounds: "at once" means well before any timeout involved.
constexpr auto kAtOnce = 100ms;

std::shared_ptr<ResilienceSeries> series_for(const std::string& name) {
  return std::make_shared<ResilienceSeries>(name);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds bound = 3s) {
  const auto until = Clock::now() + bound;
  while (!condition()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

TEST(Bulkhead, CallsBeyondMaxConcurrentAreShedAtOnceWhenThereIsNoQueue) {
  auto series = series_for("bulkhead-full");
  auto bulkhead = std::make_shared<Bulkhead>(Bulkhead::Options{2, 0, 1s}, series);
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::hang(c); });
  BulkheadDownstream downstream(fake, bulkhead);

  FakeCallContext a(10s), b(10s);
  std::thread ta([&] { downstream.call(Json(), a); });
  std::thread tb([&] { downstream.call(Json(), b); });
  ASSERT_TRUE(wait_until([&] { return fake->running() == 2; }));
  EXPECT_EQ(bulkhead->in_flight(), 2u);
  EXPECT_EQ(series->bulkhead_in_flight.value(), 2);

  FakeCallContext third(10s);
  const auto start = Clock::now();
  auto outcome = downstream.call(Json(), third);
  EXPECT_LT(Clock::now() - start, kAtOnce);
  EXPECT_EQ(reason(outcome), "shed");
  EXPECT_EQ(series->shed_full.value(), 1u);
  EXPECT_EQ(fake->calls(), 2);  // the third never reached the downstream

  a.cancel();
  b.cancel();
  ta.join();
  tb.join();
  EXPECT_EQ(bulkhead->in_flight(), 0u);
  EXPECT_EQ(series->bulkhead_in_flight.value(), 0);
}

TEST(Bulkhead, AQueuedCallTakesTheNextFreeSlot) {
  auto bulkhead =
      std::make_shared<Bulkhead>(Bulkhead::Options{1, 1, 5s}, series_for("bulkhead-queue"));
  auto fake = std::make_shared<FakeDownstream>([](int call, CallContext& c) -> CallResult {
    if (call == 0) return mosaic::testing::hang(c);
    return mosaic::testing::answer();
  });
  BulkheadDownstream downstream(fake, bulkhead);
  FakeCallContext holder(10s);
  std::thread first([&] { downstream.call(Json(), holder); });
  ASSERT_TRUE(wait_until([&] { return fake->running() == 1; }));

  FakeCallContext waiting(10s);
  std::string second_reason;
  std::thread second([&] { second_reason = reason(downstream.call(Json(), waiting)); });
  ASSERT_TRUE(wait_until([&] { return bulkhead->queued() == 1; }));
  EXPECT_EQ(fake->calls(), 1);

  holder.cancel();
  first.join();
  second.join();
  EXPECT_EQ(second_reason, "ok");
  EXPECT_EQ(fake->calls(), 2);
  EXPECT_EQ(fake->max_running(), 1);
  EXPECT_EQ(bulkhead->in_flight(), 0u);
  EXPECT_EQ(bulkhead->queued(), 0u);
}

TEST(Bulkhead, AFullQueueShedsAtOnceAndAWaitLongerThanQueueTimeoutSheds) {
  auto series = series_for("bulkhead-queue-timeout");
  auto bulkhead = std::make_shared<Bulkhead>(Bulkhead::Options{1, 1, 100ms}, series);
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::hang(c); });
  BulkheadDownstream downstream(fake, bulkhead);
  FakeCallContext holder(10s);
  std::thread first([&] { downstream.call(Json(), holder); });
  ASSERT_TRUE(wait_until([&] { return fake->running() == 1; }));

  FakeCallContext waiting(10s);
  std::string waited_reason;
  std::chrono::milliseconds waited{0};
  std::thread second([&] {
    const auto start = Clock::now();
    waited_reason = reason(downstream.call(Json(), waiting));
    waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  });
  ASSERT_TRUE(wait_until([&] { return bulkhead->queued() == 1; }));
  FakeCallContext third(10s);
  const auto start = Clock::now();
  EXPECT_EQ(reason(downstream.call(Json(), third)), "shed");
  EXPECT_LT(Clock::now() - start, kAtOnce);
  second.join();
  EXPECT_EQ(waited_reason, "shed");
  EXPECT_GE(waited, 90ms);
  EXPECT_LT(waited, 1s);
  EXPECT_EQ(series->shed_full.value(), 1u);
  EXPECT_EQ(series->shed_queue_timeout.value(), 1u);
  EXPECT_EQ(series->bulkhead_queued.value(), 0);
  holder.cancel();
  first.join();
}

TEST(Bulkhead, AWaitingCallStopsAtItsDeadlineOrWhenCancelled) {
  auto bulkhead =
      std::make_shared<Bulkhead>(Bulkhead::Options{1, 4, 10s}, series_for("bulkhead-deadline"));
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::hang(c); });
  BulkheadDownstream downstream(fake, bulkhead);
  FakeCallContext holder(10s);
  std::thread first([&] { downstream.call(Json(), holder); });
  ASSERT_TRUE(wait_until([&] { return fake->running() == 1; }));

  FakeCallContext short_deadline(100ms);
  auto start = Clock::now();
  EXPECT_EQ(reason(downstream.call(Json(), short_deadline)), "timeout");
  EXPECT_LT(Clock::now() - start, 1s);

  FakeCallContext cancelled(10s);
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    cancelled.cancel();
  });
  start = Clock::now();
  EXPECT_EQ(reason(downstream.call(Json(), cancelled)), "cancelled");
  EXPECT_LT(Clock::now() - start, 1s);
  canceller.join();
  EXPECT_EQ(bulkhead->queued(), 0u);
  EXPECT_EQ(fake->calls(), 1);
  holder.cancel();
  first.join();
  EXPECT_EQ(bulkhead->in_flight(), 0u);
}

TEST(Bulkhead, ManyThreadsNeverExceedMaxConcurrent) {
  auto bulkhead =
      std::make_shared<Bulkhead>(Bulkhead::Options{4, 64, 10s}, series_for("bulkhead-storm"));
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext& c) { return mosaic::testing::answer_after(1ms, c); });
  BulkheadDownstream downstream(fake, bulkhead);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        FakeCallContext context(20s);
        if (downstream.call(Json(), context).ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 640);
  EXPECT_LE(fake->max_running(), 4);
  EXPECT_EQ(bulkhead->in_flight(), 0u);
}

TEST(Bulkhead, ForwardsWhatTheDownstreamDeclares) {
  auto fake = std::make_shared<FakeDownstream>(
      [](int, CallContext&) { return mosaic::testing::answer(); }, false);
  BulkheadDownstream downstream(fake, std::make_shared<Bulkhead>(Bulkhead::Options{}));
  EXPECT_FALSE(downstream.idempotent(Json()));
}

}  // namespace
}  // namespace mosaic::resilience
