// DeadlineTimer: callbacks fire at their deadline, cancelled ones never do, and cancelling the
// entry the timer thread is waiting for is safe.
#include "execution/deadline_timer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;
using exec::DeadlineTimer;

TEST(DeadlineTimer, ACallbackFiresAtItsDeadline) {
  DeadlineTimer timer;
  std::promise<Clock::time_point> fired;
  const auto when = Clock::now() + 20ms;
  timer.schedule(when, [&] { fired.set_value(Clock::now()); });
  auto result = fired.get_future();
  ASSERT_EQ(result.wait_for(2s), std::future_status::ready);
  EXPECT_GE(result.get(), when);
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(DeadlineTimer, ACancelledCallbackNeverFires) {
  DeadlineTimer timer;
  std::atomic<bool> fired{false};
  const auto id = timer.schedule(Clock::now() + 30ms, [&] { fired = true; });
  EXPECT_TRUE(timer.cancel(id));
  EXPECT_FALSE(timer.cancel(id));
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(fired);
  EXPECT_EQ(timer.pending(), 0u);
}

// The timer thread waits until the earliest deadline; cancelling that entry frees it while the
// thread sleeps. The wait must not read the freed deadline when it wakes (ASan reported a
// heap-use-after-free here), and the timer must keep serving later entries.
TEST(DeadlineTimer, CancellingTheEntryBeingWaitedForIsSafe) {
  DeadlineTimer timer;
  for (int round = 0; round < 5; ++round) {
    const auto id = timer.schedule(Clock::now() + 20ms, [] {});
    std::this_thread::sleep_for(5ms);  // the timer thread is now waiting for this entry
    ASSERT_TRUE(timer.cancel(id));
    std::this_thread::sleep_for(25ms);  // ... and wakes at its deadline with the entry gone
  }
  std::promise<void> fired;
  timer.schedule(Clock::now() + 1ms, [&] { fired.set_value(); });
  EXPECT_EQ(fired.get_future().wait_for(2s), std::future_status::ready);
}

// One request at a time: each schedules its deadline (now + its timeout) and cancels it when it
// ends, so the queue is empty between requests. The timer thread sleeps until the first of those
// deadlines and is not woken for each later one (not even when the first was cancelled before
// the thread saw it); an earlier deadline still wakes it.
TEST(DeadlineTimer, ALaterDeadlineDoesNotWakeTheTimerThread) {
  DeadlineTimer timer;
  timer.cancel(timer.schedule(Clock::now() + 10s, [] {}));
  std::this_thread::sleep_for(20ms);  // the thread now sleeps until that first deadline
  const auto before = timer.wakeups();
  for (int request = 0; request < 100; ++request) {
    timer.cancel(timer.schedule(Clock::now() + 10s + std::chrono::milliseconds(request), [] {}));
    std::this_thread::sleep_for(1ms);  // the request's work: the timer thread would settle
  }
  std::this_thread::sleep_for(20ms);
  EXPECT_LE(timer.wakeups() - before, 1u);  // a spurious wake-up at most, not one per request

  std::promise<void> fired;
  timer.schedule(Clock::now() + 5ms, [&] { fired.set_value(); });
  EXPECT_EQ(fired.get_future().wait_for(2s), std::future_status::ready);
}

}  // namespace
}  // namespace mosaic::testing
