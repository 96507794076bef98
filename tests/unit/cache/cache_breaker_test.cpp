// CacheBreaker: trips after consecutive failures, refuses at once while open, lets exactly one
// probe through after probe_after, and reports only closed->open and ->closed.
#include "cache/cache_breaker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace mosaic::cache {
namespace {

using namespace std::chrono_literals;
using State = CacheBreaker::State;

struct Changes {
  std::vector<std::pair<State, State>> seen;
  CacheBreaker::OnChange hook() {
    return [this](State from, State to) { seen.emplace_back(from, to); };
  }
};

TEST(CacheBreaker, TripsAfterConsecutiveFailuresOnly) {
  Changes changes;
  CacheBreaker breaker({3, 10s}, changes.hook());
  breaker.record(false);
  breaker.record(false);
  breaker.record(true);  // a success resets the count
  breaker.record(false);
  breaker.record(false);
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_TRUE(breaker.allow());
  breaker.record(false);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.allow());
  EXPECT_FALSE(breaker.may_allow());
  ASSERT_EQ(changes.seen.size(), 1u);
  EXPECT_EQ(changes.seen[0], std::make_pair(State::kClosed, State::kOpen));
}

TEST(CacheBreaker, RefusingIsFarUnderAMicrosecond) {
  CacheBreaker breaker({1, 10s});
  breaker.record(false);
  const auto started = std::chrono::steady_clock::now();
  int allowed = 0;
  for (int i = 0; i < 1'000'000; ++i) allowed += breaker.allow() ? 1 : 0;
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(allowed, 0);
  EXPECT_LT(took, 1s);  // a million refusals: well under 1 us each
}

TEST(CacheBreaker, OneProbeAfterTheWaitClosesItOnSuccess) {
  Changes changes;
  CacheBreaker breaker({1, 50ms}, changes.hook());
  breaker.record(false);
  EXPECT_FALSE(breaker.allow());
  std::this_thread::sleep_for(60ms);
  EXPECT_TRUE(breaker.may_allow());
  // Many threads race for the probe; exactly one gets it.
  std::atomic<int> probes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (breaker.allow()) ++probes;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(probes, 1);
  EXPECT_EQ(breaker.state(), State::kProbing);
  breaker.record(true);
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_TRUE(breaker.allow());
  ASSERT_EQ(changes.seen.size(), 2u);
  EXPECT_EQ(changes.seen[1], std::make_pair(State::kProbing, State::kClosed));
}

TEST(CacheBreaker, AFailedProbeKeepsItOpenQuietly) {
  Changes changes;
  CacheBreaker breaker({1, 40ms}, changes.hook());
  breaker.record(false);
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(breaker.allow());
  breaker.record(false);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.allow());  // waits another probe_after
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(breaker.allow());
  EXPECT_EQ(changes.seen.size(), 1u);  // only the first open was reported
}

TEST(CacheBreaker, LateFailuresWhileOpenChangeNothing) {
  CacheBreaker breaker({1, 10s});
  breaker.record(false);
  for (int i = 0; i < 10; ++i) breaker.record(false);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.may_allow());
}

}  // namespace
}  // namespace mosaic::cache
