// MemoryCache: values in and out, TTL, add semantics, the byte bound and LRU eviction.
#include "cache/memory_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "metrics/registry.hpp"

namespace mosaic::cache {
namespace {

using namespace std::chrono_literals;

class FakeSteadyClock {
 public:
  MemoryCache::Clock::time_point now() const { return start_ + offset_.load(); }
  void advance(std::chrono::milliseconds d) { offset_ = offset_.load() + d; }

 private:
  MemoryCache::Clock::time_point start_ = MemoryCache::Clock::now();
  std::atomic<std::chrono::milliseconds> offset_{0ms};
};

MemoryCache::Options one_shard(std::uint64_t max_bytes, FakeSteadyClock* clock = nullptr) {
  MemoryCache::Options options;
  options.max_bytes = max_bytes;
  options.shards = 1;
  if (clock) options.now = [clock] { return clock->now(); };
  return options;
}

TEST(MemoryCache, SetThenGetReturnsTheBytes) {
  MemoryCache cache;
  EXPECT_EQ(cache.get("k").status, CacheStatus::kMiss);
  ASSERT_EQ(cache.set("k", std::string("v\0w", 3), 10s), CacheStatus::kOk);
  auto got = cache.get("k");
  ASSERT_EQ(got.status, CacheStatus::kOk);
  EXPECT_EQ(got.value, std::string("v\0w", 3));
  ASSERT_EQ(cache.set("k", "second", 10s), CacheStatus::kOk);
  EXPECT_EQ(cache.get("k").value, "second");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_FALSE(cache.shared());
  EXPECT_STREQ(cache.backend(), "memory");
}

TEST(MemoryCache, EntriesExpireAfterTheirTtl) {
  FakeSteadyClock clock;
  MemoryCache cache(one_shard(1 << 20, &clock));
  cache.set("short", "a", 100ms);
  cache.set("long", "b", 10s);
  clock.advance(99ms);
  EXPECT_EQ(cache.get("short").status, CacheStatus::kOk);
  clock.advance(1ms);
  EXPECT_EQ(cache.get("short").status, CacheStatus::kMiss);
  EXPECT_EQ(cache.get("long").status, CacheStatus::kOk);
  EXPECT_EQ(cache.entries(), 1u);  // the expired one was dropped when seen
}

TEST(MemoryCache, AddStoresOnlyWhenAbsentOrExpired) {
  FakeSteadyClock clock;
  MemoryCache cache(one_shard(1 << 20, &clock));
  EXPECT_EQ(cache.add("lease", "a", 1s), CacheStatus::kOk);
  EXPECT_EQ(cache.add("lease", "b", 1s), CacheStatus::kNotStored);
  EXPECT_EQ(cache.get("lease").value, "a");
  clock.advance(1s);
  EXPECT_EQ(cache.add("lease", "c", 1s), CacheStatus::kOk);  // the old one expired
  EXPECT_EQ(cache.get("lease").value, "c");
  EXPECT_EQ(cache.del("lease"), CacheStatus::kOk);
  EXPECT_EQ(cache.del("lease"), CacheStatus::kMiss);
  EXPECT_EQ(cache.add("lease", "d", 1s), CacheStatus::kOk);
}

TEST(MemoryCache, StaysWithinMaxBytesEvictingLeastRecentlyUsed) {
  const std::string value(100, 'x');
  const std::uint64_t one = MemoryCache::charge("k0", value);
  MemoryCache cache(one_shard(one * 3));
  cache.set("k0", value, 10s);
  cache.set("k1", value, 10s);
  cache.set("k2", value, 10s);
  EXPECT_EQ(cache.bytes(), one * 3);
  // Touch k0 so k1 is now the least recently used.
  EXPECT_EQ(cache.get("k0").status, CacheStatus::kOk);
  cache.set("k3", value, 10s);
  EXPECT_EQ(cache.get("k1").status, CacheStatus::kMiss);
  EXPECT_EQ(cache.get("k0").status, CacheStatus::kOk);
  EXPECT_EQ(cache.get("k2").status, CacheStatus::kOk);
  EXPECT_EQ(cache.get("k3").status, CacheStatus::kOk);
  EXPECT_LE(cache.bytes(), one * 3);
  EXPECT_EQ(cache.evictions(), 1u);
}

TEST(MemoryCache, ByteBoundCountsKeysValuesAndOverhead) {
  MemoryCache cache(one_shard(64 * 1024));
  for (int i = 0; i < 10000; ++i) cache.set("key-" + std::to_string(i), std::string(50, 'v'), 10s);
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_GT(cache.bytes(), 60u * 1024);
  // The newest are the ones kept.
  EXPECT_EQ(cache.get("key-9999").status, CacheStatus::kOk);
  EXPECT_EQ(cache.get("key-0").status, CacheStatus::kMiss);
}

TEST(MemoryCache, ReplacingAValueRechargesItsSize) {
  MemoryCache cache(one_shard(1 << 20));
  cache.set("k", std::string(1000, 'a'), 10s);
  cache.set("k", std::string(10, 'b'), 10s);
  EXPECT_EQ(cache.bytes(), MemoryCache::charge("k", std::string(10, 'b')));
  cache.del("k");
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryCache, AValueLargerThanAShardIsRefusedWithoutEvictingOthers) {
  MemoryCache cache(one_shard(4096));
  cache.set("small", "s", 10s);
  EXPECT_EQ(cache.set("huge", std::string(8192, 'h'), 10s), CacheStatus::kNotStored);
  EXPECT_EQ(cache.get("small").status, CacheStatus::kOk);
}

TEST(MemoryCache, ShardsBoundTheTotal) {
  MemoryCache::Options options;
  options.max_bytes = 16 * 64 * 1024;
  options.shards = 16;
  MemoryCache cache(options);
  for (int i = 0; i < 50000; ++i) cache.set("k" + std::to_string(i), std::string(100, 'v'), 10s);
  EXPECT_LE(cache.bytes(), options.max_bytes);
}

TEST(MemoryCache, ConcurrentReadersAndWritersKeepItConsistent) {
  MemoryCache::Options options;
  options.max_bytes = 256 * 1024;
  MemoryCache cache(options);
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + t) % 500);
        if (i % 3 == 0) {
          cache.set(key, key + "-value", 10s);
        } else if (auto got = cache.get(key);
                   got.status == CacheStatus::kOk && got.value != key + "-value") {
          ++bad;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(cache.bytes(), options.max_bytes);
}

TEST(MemoryCache, ExportsItsSizeWhileItLives) {
  {
    MemoryCache::Options options;
    options.metrics = true;
    MemoryCache cache(options);
    cache.set("k", "value", 10s);
    const std::string text = metrics::Registry::global().render();
    EXPECT_NE(
        text.find("mosaic_cache_memory_bytes " + std::to_string(MemoryCache::charge("k", "value"))),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("mosaic_cache_memory_entries 1"), std::string::npos);
  }
  EXPECT_EQ(metrics::Registry::global().render().find("mosaic_cache_memory_entries 1"),
            std::string::npos);
}

}  // namespace
}  // namespace mosaic::cache
