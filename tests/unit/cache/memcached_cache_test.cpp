// MemcachedCache against real memcached processes the test starts on free loopback ports:
// operations, expiry, key hashing, two servers on a ketama ring, and the breaker when a server
// is killed (refusing) or frozen with SIGSTOP (accepting, never answering).
#include "cache/memcached_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "cache/swr_cache.hpp"
#include "fake_call_context.hpp"
#include "memcached_process.hpp"
#include "response/result_text.hpp"

namespace mosaic::cache {
namespace {

using namespace std::chrono_literals;
using testing::CollectingLogger;
using testing::MemcachedProcess;

MemcachedCache::Options options_for(std::initializer_list<const MemcachedProcess*> servers,
                                    std::chrono::milliseconds probe_after = 200ms,
                                    Logger* logger = nullptr) {
  MemcachedCache::Options options;
  for (const auto* s : servers) options.servers.push_back({"127.0.0.1", s->port()});
  options.timeout = 50ms;
  options.breaker = {3, probe_after};
  options.logger = logger;
  return options;
}

std::chrono::microseconds time_of(const std::function<void()>& fn) {
  const auto started = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               started);
}

TEST(MemcachedCache, GetSetAddDelAgainstARealServer) {
  MemcachedProcess memcached;
  MemcachedCache cache(options_for({&memcached}));
  EXPECT_TRUE(cache.shared());
  EXPECT_EQ(cache.get("k").status, CacheStatus::kMiss);
  ASSERT_EQ(cache.set("k", std::string("bytes\0with nul", 14), 10s), CacheStatus::kOk);
  auto got = cache.get("k");
  ASSERT_EQ(got.status, CacheStatus::kOk);
  EXPECT_EQ(got.value, std::string("bytes\0with nul", 14));
  EXPECT_EQ(cache.add("k", "other", 10s), CacheStatus::kNotStored);
  EXPECT_EQ(cache.add("lease", "1", 10s), CacheStatus::kOk);
  EXPECT_EQ(cache.del("lease"), CacheStatus::kOk);
  EXPECT_EQ(cache.del("lease"), CacheStatus::kMiss);
  EXPECT_EQ(cache.add("lease", "1", 10s), CacheStatus::kOk);
  EXPECT_EQ(cache.breaker_state(0), CacheBreaker::State::kClosed);
}

TEST(MemcachedCache, ExpiryIsWholeSecondsRoundedUpPlusOne) {
  EXPECT_EQ(MemcachedCache::wire_expiry(1ms), 2u);
  EXPECT_EQ(MemcachedCache::wire_expiry(1000ms), 2u);
  EXPECT_EQ(MemcachedCache::wire_expiry(1001ms), 3u);
  EXPECT_EQ(MemcachedCache::wire_expiry(360s), 361u);
  EXPECT_EQ(MemcachedCache::wire_expiry(std::chrono::hours(24 * 40)), 60u * 60 * 24 * 30 - 1);

  MemcachedProcess memcached;
  MemcachedCache cache(options_for({&memcached}));
  ASSERT_EQ(cache.set("short", "v", 300ms), CacheStatus::kOk);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(cache.get("short").status,
            CacheStatus::kOk);  // never early: the envelope decides freshness
  std::this_thread::sleep_for(2700ms);
  EXPECT_EQ(cache.get("short").status, CacheStatus::kMiss);  // but memcached does drop it
}

TEST(MemcachedCache, KeysMemcachedCannotTakeAreHashed) {
  EXPECT_EQ(MemcachedCache::wire_key("mosaic:V:orders:42"), "mosaic:V:orders:42");
  const std::string spaced = MemcachedCache::wire_key("orders:Ada Lovelace");
  EXPECT_EQ(spaced.size(), 41u);
  EXPECT_EQ(spaced[0], '#');
  EXPECT_NE(MemcachedCache::wire_key("orders:Ada Lovelace"),
            MemcachedCache::wire_key("orders:Ada  Lovelace"));
  const std::string long_key(1000, 'k');
  EXPECT_EQ(MemcachedCache::wire_key(long_key).size(), 41u);

  MemcachedProcess memcached;
  MemcachedCache cache(options_for({&memcached}));
  ASSERT_EQ(cache.set(long_key, "long", 10s), CacheStatus::kOk);
  ASSERT_EQ(cache.set("with space\r\n", "crlf", 10s), CacheStatus::kOk);
  EXPECT_EQ(cache.get(long_key).value, "long");
  EXPECT_EQ(cache.get("with space\r\n").value, "crlf");
}

TEST(MemcachedCache, TwoServersShareTheKeysAndOneFailingLeavesTheOtherServing) {
  MemcachedProcess a;
  MemcachedProcess b;
  MemcachedCache both(options_for({&a, &b}, 10s));
  MemcachedCache only_a(options_for({&a}));
  MemcachedCache only_b(options_for({&b}));
  std::vector<std::string> on_a;
  int on_b = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "user:" + std::to_string(i);
    ASSERT_EQ(both.set(key, "v", 60s), CacheStatus::kOk);
    const bool in_a = only_a.get(key).status == CacheStatus::kOk;
    const bool in_b = only_b.get(key).status == CacheStatus::kOk;
    EXPECT_NE(in_a, in_b) << key;  // each key lives on exactly one server
    if (in_a) on_a.push_back(key);
    if (in_b) ++on_b;
  }
  EXPECT_GT(on_a.size(), 40u);  // ketama spreads them (about half each)
  EXPECT_GT(on_b, 40);
  b.kill();
  for (const auto& key : on_a) EXPECT_EQ(both.get(key).status, CacheStatus::kOk) << key;
  int errors = 0;
  for (int i = 0; i < 200; ++i)
    errors += both.get("user:" + std::to_string(i)).status == CacheStatus::kError;
  EXPECT_EQ(errors, 200 - static_cast<int>(on_a.size()));
  EXPECT_EQ(both.breaker_state(0), CacheBreaker::State::kClosed);
  EXPECT_EQ(both.breaker_state(1), CacheBreaker::State::kOpen);
}

TEST(MemcachedCache, GetManyAnswersEveryKeyInOrderInOneExchange) {
  MemcachedProcess memcached;
  MemcachedCache cache(options_for({&memcached}));
  ASSERT_EQ(cache.set("a", "1", 60s), CacheStatus::kOk);
  ASSERT_EQ(cache.set("c", std::string("3\0three", 7), 60s), CacheStatus::kOk);
  const std::string long_key(300, 'k');  // hashed on the wire: the answer still finds its slot
  ASSERT_EQ(cache.set(long_key, "long", 60s), CacheStatus::kOk);
  const std::vector<std::string> keys{"a", "b", "c", long_key, "a"};
  const auto got = cache.get_many(keys);
  ASSERT_EQ(got.size(), keys.size());
  EXPECT_EQ(got[0].status, CacheStatus::kOk);
  EXPECT_EQ(got[0].value, "1");
  EXPECT_EQ(got[1].status, CacheStatus::kMiss);
  EXPECT_EQ(got[2].value, std::string("3\0three", 7));
  EXPECT_EQ(got[3].value, "long");
  EXPECT_EQ(got[4].value, "1");  // a key asked twice is answered twice
  // The connection is left clean: the next calls see their own answers.
  EXPECT_EQ(cache.get("c").value, std::string("3\0three", 7));
  EXPECT_EQ(cache.get_many(std::vector<std::string>{"b", "b"})[1].status, CacheStatus::kMiss);
}

TEST(MemcachedCache, GetManyOverTwoServersFailsOnlyTheKeysOfTheOneThatIsDown) {
  MemcachedProcess a;
  MemcachedProcess b;
  MemcachedCache both(options_for({&a, &b}, 10s));
  MemcachedCache only_a(options_for({&a}));
  std::vector<std::string> keys;
  std::vector<bool> in_a;
  for (int i = 0; i < 40; ++i) {
    keys.push_back("user:" + std::to_string(i));
    ASSERT_EQ(both.set(keys.back(), "v" + std::to_string(i), 60s), CacheStatus::kOk);
    in_a.push_back(only_a.get(keys.back()).status == CacheStatus::kOk);
  }
  auto got = both.get_many(keys);
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(got[i].value, "v" + std::to_string(i));
  b.kill();
  got = both.get_many(keys);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(got[i].status, in_a[i] ? CacheStatus::kOk : CacheStatus::kError) << keys[i];
    if (in_a[i]) {
      EXPECT_EQ(got[i].value, "v" + std::to_string(i));
    }
  }
}

TEST(MemcachedCache, AKilledServerTripsTheBreakerAndARestartClosesIt) {
  MemcachedProcess memcached;
  CollectingLogger log;
  MemcachedCache cache(options_for({&memcached}, 200ms, &log));
  ASSERT_EQ(cache.set("k", "v", 60s), CacheStatus::kOk);
  memcached.kill();
  for (int i = 0; i < 5; ++i) {
    const auto took = time_of([&] { EXPECT_EQ(cache.get("k").status, CacheStatus::kError); });
    EXPECT_LT(took, 200ms);  // refused connections fail fast even before the breaker opens
  }
  EXPECT_EQ(cache.breaker_state(0), CacheBreaker::State::kOpen);
  memcached.restart();
  std::this_thread::sleep_for(
      1300ms);  // past probe_after and libmemcached's own retry timeout (1 s)
  CacheStatus status = CacheStatus::kError;
  for (int i = 0; i < 50 && status != CacheStatus::kOk; ++i) {
    status = cache.set("k", "again", 60s);
    if (status != CacheStatus::kOk) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, CacheStatus::kOk);
  EXPECT_EQ(cache.breaker_state(0), CacheBreaker::State::kClosed);
  EXPECT_EQ(cache.get("k").value, "again");
  int opened = 0;
  int closed = 0;
  for (const auto& line : log.lines()) {
    opened += line.rfind("warn cache server failing", 0) == 0;
    closed += line.rfind("warn cache server answering again", 0) == 0;
  }
  EXPECT_EQ(opened, 1);  // once per state change, not once per failed call or probe
  EXPECT_EQ(closed, 1);
}

TEST(MemcachedCache, AFrozenServerCostsAFewTimeoutsThenUnderAMillisecondPerCall) {
  MemcachedProcess memcached;
  MemcachedCache cache(options_for({&memcached}, 300ms));
  ASSERT_EQ(cache.set("k", "v", 60s), CacheStatus::kOk);
  memcached.freeze();
  int slow = 0;
  for (int i = 0; i < 3; ++i) {
    const auto took = time_of([&] { EXPECT_EQ(cache.get("k").status, CacheStatus::kError); });
    EXPECT_LT(took, 1s);  // bounded by cache.timeout (50 ms), not libmemcached's 5 s default
    slow += took >= 40ms;
  }
  EXPECT_GE(slow, 1);  // a hung server really costs the timeout until the breaker opens
  EXPECT_EQ(cache.breaker_state(0), CacheBreaker::State::kOpen);
  std::vector<std::chrono::microseconds> times;
  for (int i = 0; i < 2000; ++i) {
    times.push_back(time_of([&] { EXPECT_EQ(cache.get("k").status, CacheStatus::kError); }));
  }
  std::sort(times.begin(), times.end());
  EXPECT_LT(times[times.size() * 99 / 100], 1000us);
  memcached.thaw();
  std::this_thread::sleep_for(350ms);
  CacheGet got;
  for (int i = 0; i < 20 && got.status != CacheStatus::kOk; ++i) {
    got = cache.get("k");
    if (got.status != CacheStatus::kOk) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(got.status, CacheStatus::kOk);
  EXPECT_EQ(got.value, "v");
  EXPECT_EQ(cache.breaker_state(0), CacheBreaker::State::kClosed);
}

TEST(MemcachedCache, TwoSwrCachesOverOneMemcachedFetchOnceUnderTheLease) {
  MemcachedProcess memcached;
  SwrCache::Options options;
  options.prefix = "lease-test:";
  auto a = SwrCache::create(std::make_shared<MemcachedCache>(options_for({&memcached})), options);
  auto b = SwrCache::create(std::make_shared<MemcachedCache>(options_for({&memcached})), options);
  const CachePolicy policy{60s, 60s, 2s};
  std::atomic<int> calls{0};
  std::atomic<bool> release{false};
  SwrCache::Call fetch = [&]() -> CallResult {
    ++calls;
    while (!release) std::this_thread::sleep_for(1ms);
    return Json("one");
  };
  std::vector<std::thread> requests;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    requests.emplace_back([&, i] {
      testing::FakeCallContext context(5s);
      auto answer = (i % 2 ? a : b)->get("k", policy, context, fetch, {}, nullptr);
      if (answer.result.ok() && response::result_json(answer.result) == "one") ++ok;
    });
  }
  std::this_thread::sleep_for(200ms);
  release = true;
  for (auto& t : requests) t.join();
  EXPECT_EQ(ok, 20);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace mosaic::cache
