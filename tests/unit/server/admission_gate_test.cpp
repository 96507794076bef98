// server.max_active: a bounded number of turns, handed to waiters first come first served, and a
// wait that ends in a refusal at its deadline without leaving anything behind in the queue.
#include "server/admission_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace mosaic::server {
namespace {

using namespace std::chrono_literals;
using Clock = AdmissionGate::Clock;

// Polls until `done` (a waiter is queued, say) or fails after 10 s.
template <typename F>
void eventually(F done) {
  const auto until = Clock::now() + 10s;
  while (!done()) {
    ASSERT_LT(Clock::now(), until) << "condition not reached";
    std::this_thread::sleep_for(1ms);
  }
}

TEST(AdmissionGate, TurnsUpToTheLimitComeAtOnce) {
  AdmissionGate gate(2);
  auto a = gate.enter(Clock::now());
  auto b = gate.enter(Clock::now());
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_EQ(gate.stats().active, 2u);
  auto c = gate.enter(Clock::now() + 20ms);  // nobody leaves: refused at its deadline
  EXPECT_FALSE(c);
  a = AdmissionGate::Turn();
  EXPECT_EQ(gate.stats().active, 1u);
  auto d = gate.enter(Clock::now());
  EXPECT_TRUE(d);
  const auto stats = gate.stats();
  EXPECT_EQ(stats.admitted, 3u);
  EXPECT_EQ(stats.refused, 1u);
  EXPECT_EQ(stats.waiting, 0u);
}

TEST(AdmissionGate, WaitersAreAdmittedInTheOrderTheyCame) {
  AdmissionGate gate(1);
  auto held = gate.enter(Clock::now());
  ASSERT_TRUE(held);
  std::mutex mutex;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 5; ++i) {
    waiters.emplace_back([&, i] {
      auto turn = gate.enter(Clock::now() + 30s);
      ASSERT_TRUE(turn);
      std::lock_guard lock(mutex);
      order.push_back(i);
    });
    eventually([&] { return gate.stats().waiting == static_cast<std::size_t>(i + 1); });
  }
  held = AdmissionGate::Turn();  // each waiter, leaving, admits the next
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(gate.stats().active, 0u);
  EXPECT_EQ(gate.stats().admitted, 6u);
}

TEST(AdmissionGate, ATurnPassesStraightToTheFirstWaiterNotToANewcomer) {
  AdmissionGate gate(1);
  auto held = gate.enter(Clock::now());
  std::atomic<bool> waiter_in{false};
  std::thread waiter([&] {
    auto turn = gate.enter(Clock::now() + 30s);
    waiter_in = static_cast<bool>(turn);
    std::this_thread::sleep_for(50ms);  // holds it: a newcomer meanwhile must wait
  });
  eventually([&] { return gate.stats().waiting == 1u; });
  held = AdmissionGate::Turn();
  // The released turn belongs to the waiter even before it runs: a newcomer finds none free.
  auto newcomer = gate.enter(Clock::now() + 1ms);
  EXPECT_FALSE(newcomer);
  waiter.join();
  EXPECT_TRUE(waiter_in);
}

TEST(AdmissionGate, ARefusedWaiterLeavesTheQueue) {
  AdmissionGate gate(1);
  auto held = gate.enter(Clock::now());
  std::thread late([&] { EXPECT_FALSE(gate.enter(Clock::now() + 30ms)); });
  late.join();
  EXPECT_EQ(gate.stats().waiting, 0u);
  EXPECT_EQ(gate.stats().refused, 1u);
  held = AdmissionGate::Turn();  // nobody to hand it to: the gate is free again
  EXPECT_EQ(gate.stats().active, 0u);
  EXPECT_TRUE(gate.enter(Clock::now()));
}

}  // namespace
}  // namespace mosaic::server
