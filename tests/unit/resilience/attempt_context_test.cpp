// AttemptContext: a child cancel scope with its own deadline, linked to the call's.
#include "resilience/attempt_context.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_call_context.hpp"

namespace mosaic::resilience {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::FakeCallContext;

TEST(AttemptContext, ItsOwnDeadlineFiresItsCallbacksAndIsATimeoutOfTheAttemptOnly) {
  FakeCallContext parent(5s);
  AttemptContext attempt(parent, Clock::now() + 50ms);
  std::atomic<bool> fired{false};
  CancelRegistration registration = attempt.on_cancel([&] { fired = true; });
  const auto start = Clock::now();
  EXPECT_FALSE(attempt.wait_for(10s));
  EXPECT_LT(Clock::now() - start, 1s);
  // The timer thread may still be running the callbacks when the waiter wakes at the deadline.
  for (int i = 0; i < 100 && !fired.load(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(fired.load());
  EXPECT_TRUE(attempt.cancelled());
  EXPECT_FALSE(parent.cancelled());
  EXPECT_EQ(attempt.interruption().kind, FailureKind::kTimeout);
  EXPECT_EQ(attempt.cause(), AttemptContext::Cause::kDeadline);
  EXPECT_TRUE(attempt.own_deadline_passed());
}

TEST(AttemptContext, TheDeadlineIsCappedAtTheParents) {
  FakeCallContext parent(100ms);
  AttemptContext attempt(parent, Clock::now() + 10s);
  EXPECT_EQ(attempt.deadline(), parent.deadline());
  EXPECT_FALSE(attempt.wait_for(10s));
  // The call's own deadline: not something another attempt could fix.
  EXPECT_FALSE(attempt.own_deadline_passed());
}

TEST(AttemptContext, ParentCancellationReachesTheAttemptWithTheParentsReason) {
  FakeCallContext parent(5s);
  AttemptContext attempt(parent, Clock::now() + 5s);
  std::atomic<bool> fired{false};
  CancelRegistration registration = attempt.on_cancel([&] { fired = true; });
  std::thread canceller([&] {
    std::this_thread::sleep_for(30ms);
    parent.cancel();
  });
  EXPECT_FALSE(attempt.wait_for(10s));
  canceller.join();
  EXPECT_TRUE(fired.load());
  EXPECT_EQ(attempt.cause(), AttemptContext::Cause::kParent);
  EXPECT_EQ(attempt.interruption().kind, FailureKind::kCancelled);
  EXPECT_FALSE(attempt.own_deadline_passed());
}

TEST(AttemptContext, AnAlreadyCancelledParentMakesACancelledAttempt) {
  FakeCallContext parent(5s);
  parent.cancel();
  AttemptContext attempt(parent, Clock::now() + 5s);
  EXPECT_TRUE(attempt.cancelled());
  bool ran = false;
  attempt.on_cancel([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(AttemptContext, AbandonStopsThisAttemptButNotTheCall) {
  FakeCallContext parent(5s);
  AttemptContext attempt(parent, Clock::now() + 5s);
  AttemptContext sibling(parent, Clock::now() + 5s);
  std::atomic<bool> fired{false};
  CancelRegistration registration = attempt.on_cancel([&] { fired = true; });
  attempt.abandon();
  EXPECT_TRUE(fired.load());
  EXPECT_TRUE(attempt.cancelled());
  EXPECT_EQ(attempt.interruption().kind, FailureKind::kCancelled);
  EXPECT_FALSE(sibling.cancelled());
  EXPECT_FALSE(parent.cancelled());
  // The parent's callbacks are unaffected and the link is dropped with the attempt.
  EXPECT_EQ(parent.active_registrations(), 2u);
}

TEST(AttemptContext, DestroyingItUnlinksItFromTheParent) {
  FakeCallContext parent(5s);
  {
    AttemptContext attempt(parent, Clock::now() + 5s);
    EXPECT_EQ(parent.active_registrations(), 1u);
  }
  EXPECT_EQ(parent.active_registrations(), 0u);
  parent.cancel();  // nothing left to call
}

TEST(AttemptContext, ForwardsTheRequestIdAndLogger) {
  FakeCallContext parent(5s, "req-77");
  AttemptContext attempt(parent, Clock::now() + 5s);
  EXPECT_EQ(attempt.request_id(), "req-77");
  attempt.logger().warn("from the attempt");
  EXPECT_TRUE(parent.log().contains("from the attempt"));
}

}  // namespace
}  // namespace mosaic::resilience
