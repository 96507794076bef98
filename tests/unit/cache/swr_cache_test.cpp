// SwrCache over a MemoryCache with a clock the test moves: fresh, stale (one background
// refresh), miss (one fetch, stored), failed with an older value (served with its age) and
// without (the failure, never stored), coalescing of concurrent misses, waiters bounded by their
// own deadline, a cancelled leader, background peeks, a failing backend, one backend read per
// miss (lookup()'s read carried into get()), and the fleet lease (two SwrCaches over one shared
// backend).
#include "cache/swr_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "cache/memory_cache.hpp"
#include "fake_call_context.hpp"
#include "observed_cache.hpp"
#include "response/result_text.hpp"

namespace mosaic::cache {
namespace {

using namespace std::chrono_literals;
using testing::FakeCallContext;
using testing::ObservedCache;

// A gate a fetch can wait on until the test opens it.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds bound = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, bound, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// The same entries seen as a shared backend: two SwrCaches over it behave like two instances
// sharing memcached (leases included).
class SharedMemory : public Cache {
 public:
  explicit SharedMemory(std::shared_ptr<MemoryCache> inner) : inner_(std::move(inner)) {}
  CacheGet get(std::string_view key) override { return inner_->get(key); }
  CacheStatus set(std::string_view key, std::string_view value,
                  std::chrono::milliseconds ttl) override {
    return inner_->set(key, value, ttl);
  }
  CacheStatus add(std::string_view key, std::string_view value,
                  std::chrono::milliseconds ttl) override {
    ++adds;
    return inner_->add(key, value, ttl);
  }
  CacheStatus del(std::string_view key) override { return inner_->del(key); }
  const char* backend() const override { return "shared-memory"; }
  bool shared() const override { return true; }
  std::atomic<int> adds{0};

 private:
  std::shared_ptr<MemoryCache> inner_;
};

class BrokenCache : public Cache {
 public:
  CacheGet get(std::string_view) override { return {CacheStatus::kError, {}}; }
  CacheStatus set(std::string_view, std::string_view, std::chrono::milliseconds) override {
    return CacheStatus::kError;
  }
  CacheStatus add(std::string_view, std::string_view, std::chrono::milliseconds) override {
    return CacheStatus::kError;
  }
  CacheStatus del(std::string_view) override { return CacheStatus::kError; }
  const char* backend() const override { return "broken"; }
  bool shared() const override { return true; }
};

class SwrCacheTest : public ::testing::Test {
 protected:
  void TearDown() override { join_refreshes(); }

  std::shared_ptr<SwrCache> make(std::shared_ptr<Cache> backend) {
    SwrCache::Options options;
    options.prefix = "t:";
    options.now_ms = [this] { return now_.load(); };
    options.lease_poll = 2ms;
    return SwrCache::create(std::move(backend), options);
  }

  // A fetch that counts its calls and answers what `answer` says.
  SwrCache::Call fetch() {
    return [this]() -> CallResult {
      ++calls_;
      return answer_();
    };
  }

  // Runs refresh jobs on their own threads, with the same counting fetch.
  SwrCache::Launch launcher() {
    return [this](SwrCache::Job job) {
      std::lock_guard lock(threads_mutex_);
      ++launched_;
      threads_.emplace_back([this, job = std::move(job)] { job(fetch()); });
      return true;
    };
  }

  void join_refreshes() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(threads_mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  CacheAnswer get(SwrCache& cache, const std::string& key = "orders:42",
                  std::chrono::milliseconds timeout = 5s) {
    FakeCallContext context(timeout);
    return cache.get(key, policy_, context, fetch(), launcher(), &series_);
  }

  std::uint64_t count(metrics::Counter* StepCacheSeries::*counter) {
    return (series_.*counter)->value();
  }

  std::atomic<std::int64_t> now_{1'700'000'000'000};
  CachePolicy policy_{60s, 300s, 1s};
  metrics::Registry registry_;
  StepCacheSeries series_{"GET /t", "orders", registry_};
  std::atomic<int> calls_{0};
  std::function<CallResult()> answer_ = [] { return Json(json::array{1, 2}); };
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
  int launched_ = 0;
};

// A value under our prefix whose payload is not JSON (written by something else) is never
// served: it is counted as an error and treated as a miss, and the fresh fetch replaces it.
TEST_F(SwrCacheTest, APayloadThatIsNotJsonIsAMissAndAnError) {
  auto backend = std::make_shared<MemoryCache>();
  auto cache = make(backend);
  for (const char* payload : {"{\"a\":", "<html>", "[1E400]"}) {
    Envelope envelope;
    envelope.stored_at_ms = now_;
    envelope.fresh_until_ms = now_ + 60'000;
    envelope.stale_until_ms = now_ + 120'000;
    envelope.payload = payload;
    backend->set(cache->value_key("orders:42"), encode_envelope(envelope), 60s);
    const int calls_before = calls_;
    auto answer = get(*cache);
    ASSERT_TRUE(answer.result.ok());
    EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2})) << payload;
    EXPECT_EQ(calls_, calls_before + 1) << payload;
  }
  EXPECT_GE(count(&StepCacheSeries::error), 3u);
  EXPECT_EQ(count(&StepCacheSeries::fresh), 0u);
}

TEST_F(SwrCacheTest, MissFetchesOnceStoresAndThenServesFresh) {
  auto cache = make(std::make_shared<MemoryCache>());
  auto first = get(*cache);
  ASSERT_TRUE(first.result.ok());
  EXPECT_EQ(response::result_json(first.result), (json::array{1, 2}));
  EXPECT_FALSE(first.stale_age_ms);
  EXPECT_EQ(calls_, 1);
  now_ += 59'999;
  auto second = get(*cache);
  ASSERT_TRUE(second.result.ok());
  EXPECT_EQ(response::result_json(second.result), (json::array{1, 2}));
  EXPECT_FALSE(second.stale_age_ms);
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(count(&StepCacheSeries::miss), 1u);
  EXPECT_EQ(count(&StepCacheSeries::fresh), 1u);
  EXPECT_EQ(launched_, 0);
}

TEST_F(SwrCacheTest, StaleIsServedAtOnceWithItsAgeAndRefreshedOnceInTheBackground) {
  auto cache = make(std::make_shared<MemoryCache>());
  get(*cache);
  now_ += 61'000;  // past ttl, inside the stale window
  Gate gate;
  answer_ = [&] {
    gate.wait();
    return Json(json::array{3});
  };
  auto stale = get(*cache);
  ASSERT_TRUE(stale.result.ok());
  EXPECT_EQ(response::result_json(stale.result), (json::array{1, 2}));
  ASSERT_TRUE(stale.stale_age_ms);
  EXPECT_EQ(*stale.stale_age_ms, 61'000);
  // A second stale read while the refresh runs starts no other refresh.
  auto again = get(*cache);
  EXPECT_EQ(response::result_json(again.result), (json::array{1, 2}));
  EXPECT_EQ(launched_, 1);
  EXPECT_EQ(cache->refreshes_in_progress(), 1u);
  gate.open();
  join_refreshes();
  EXPECT_EQ(cache->refreshes_in_progress(), 0u);
  EXPECT_EQ(calls_, 2);  // the first fetch and one refresh
  auto fresh = get(*cache);
  EXPECT_EQ(response::result_json(fresh.result), (json::array{3}));
  EXPECT_FALSE(fresh.stale_age_ms);
  EXPECT_EQ(count(&StepCacheSeries::stale), 2u);
  EXPECT_EQ(count(&StepCacheSeries::refresh), 1u);
  EXPECT_EQ(count(&StepCacheSeries::fresh), 1u);
}

TEST_F(SwrCacheTest, AFailedRefreshIsNotRetriedBeforeItsBackoff) {
  SwrCache::Options options;
  options.now_ms = [this] { return now_.load(); };
  options.refresh_backoff = 100ms;
  auto cache = SwrCache::create(std::make_shared<MemoryCache>(), options);
  get(*cache);
  now_ += 61'000;
  answer_ = [] { return Failure::Of(FailureKind::kConnectFailed); };
  EXPECT_TRUE(get(*cache).stale_age_ms);
  join_refreshes();
  EXPECT_EQ(launched_, 1);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(response::result_json(get(*cache).result), (json::array{1, 2}));
  join_refreshes();
  EXPECT_EQ(launched_, 1);  // a down downstream is not called back to back
  std::this_thread::sleep_for(120ms);
  get(*cache);
  join_refreshes();
  EXPECT_EQ(launched_, 2);
  EXPECT_EQ(calls_, 3);
}

TEST_F(SwrCacheTest, PastTheStaleWindowIsAMiss) {
  auto cache = make(std::make_shared<MemoryCache>());
  get(*cache);
  now_ += 360'000;  // ttl + stale
  answer_ = [] { return Json("new"); };
  auto answer = get(*cache);
  EXPECT_EQ(response::result_json(answer.result), "new");
  EXPECT_FALSE(answer.stale_age_ms);
  EXPECT_EQ(calls_, 2);
  EXPECT_EQ(launched_, 0);
}

TEST_F(SwrCacheTest, FailedFetchServesTheNewestCachedValueWithItsAge) {
  auto cache = make(std::make_shared<MemoryCache>());
  get(*cache);
  now_ += 400'000;  // past the window by the envelope's clock; the backend still holds it
  answer_ = [] { return Failure::Status(503); };
  auto answer = get(*cache);
  ASSERT_TRUE(answer.result.ok());
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  ASSERT_TRUE(answer.stale_age_ms);
  EXPECT_EQ(*answer.stale_age_ms, 400'000);
  EXPECT_EQ(count(&StepCacheSeries::fallback), 1u);
}

TEST_F(SwrCacheTest, FailedFetchWithNothingCachedFailsAndIsNotStored) {
  auto cache = make(std::make_shared<MemoryCache>());
  answer_ = [] { return Failure::Status(503); };
  auto failed = get(*cache);
  ASSERT_FALSE(failed.result.ok());
  EXPECT_EQ(failed.result.failure().reason(), "status_503");
  // Failures are never cached: the next request calls again, and its success is stored.
  answer_ = [] { return Json("ok"); };
  auto next = get(*cache);
  EXPECT_EQ(response::result_json(next.result), "ok");
  EXPECT_EQ(calls_, 2);
  get(*cache);
  EXPECT_EQ(calls_, 2);
}

TEST_F(SwrCacheTest, ConcurrentMissesForOneKeyShareOneFetch) {
  auto cache = make(std::make_shared<MemoryCache>());
  Gate gate;
  answer_ = [&] {
    gate.wait();
    return Json("shared");
  };
  constexpr int kRequests = 64;
  std::vector<std::thread> requests;
  std::atomic<int> ok{0};
  for (int i = 0; i < kRequests; ++i) {
    requests.emplace_back([&] {
      auto answer = get(*cache);
      if (answer.result.ok() && response::result_json(answer.result) == "shared") ++ok;
    });
  }
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (count(&StepCacheSeries::coalesced) < kRequests - 1 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(count(&StepCacheSeries::coalesced), static_cast<std::uint64_t>(kRequests - 1));
  gate.open();
  for (auto& t : requests) t.join();
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(count(&StepCacheSeries::miss), 1u);
  EXPECT_EQ(cache->flights_in_progress(), 0u);
}

TEST_F(SwrCacheTest, DifferentKeysDoNotWaitForEachOther) {
  auto cache = make(std::make_shared<MemoryCache>());
  Gate gate;
  std::atomic<int> answered{0};
  answer_ = [&]() -> CallResult {
    if (answered++ > 0) return Json("quick");
    gate.wait();  // the first call (key "a") hangs until the end
    return Json("slow");
  };
  std::thread slow([&] { get(*cache, "a"); });
  while (calls_ == 0) std::this_thread::sleep_for(1ms);
  auto other = get(*cache, "b");
  EXPECT_EQ(response::result_json(other.result), "quick");
  gate.open();
  slow.join();
}

TEST_F(SwrCacheTest, AWaiterGivesUpAtItsOwnDeadline) {
  auto cache = make(std::make_shared<MemoryCache>());
  Gate gate;
  answer_ = [&] {
    gate.wait();
    return Json("late");
  };
  std::thread leader([&] { EXPECT_EQ(response::result_json(get(*cache).result), "late"); });
  while (calls_ == 0) std::this_thread::sleep_for(1ms);
  const auto started = std::chrono::steady_clock::now();
  auto waiter = get(*cache, "orders:42", 100ms);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(waiter.result.ok());
  EXPECT_EQ(waiter.result.failure().kind, FailureKind::kTimeout);
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 2s);
  gate.open();
  leader.join();
  EXPECT_EQ(calls_, 1);
}

TEST_F(SwrCacheTest, AWaiterWhoseLeaderWasCancelledFetchesItself) {
  auto cache = make(std::make_shared<MemoryCache>());
  FakeCallContext leader_context(5s);
  std::atomic<bool> leader_started{false};
  CacheAnswer leader_answer;
  std::thread leader([&] {
    SwrCache::Call cancellable = [&]() -> CallResult {
      leader_started = true;
      leader_context.wait_for(5s);  // until the test cancels the leader's request
      return leader_context.interruption();
    };
    leader_answer =
        cache->get("orders:42", policy_, leader_context, cancellable, launcher(), &series_);
  });
  while (!leader_started) std::this_thread::sleep_for(1ms);
  CacheAnswer waiter_answer;
  std::thread waiter([&] { waiter_answer = get(*cache); });
  while (count(&StepCacheSeries::coalesced) < 1) std::this_thread::sleep_for(1ms);
  leader_context.cancel();
  leader.join();
  waiter.join();
  ASSERT_FALSE(leader_answer.result.ok());
  EXPECT_EQ(leader_answer.result.failure().kind, FailureKind::kCancelled);
  ASSERT_TRUE(waiter_answer.result.ok());
  EXPECT_EQ(response::result_json(waiter_answer.result), (json::array{1, 2}));
  EXPECT_EQ(calls_, 1);  // the waiter's own fetch (the leader's was not counted)
}

TEST_F(SwrCacheTest, PeekServesFreshOrStaleAndRefreshesUnlessFresh) {
  auto cache = make(std::make_shared<MemoryCache>());
  auto miss = cache->peek("recs:1", policy_, launcher(), &series_);
  EXPECT_FALSE(miss.value);
  EXPECT_TRUE(miss.refreshing);
  join_refreshes();
  EXPECT_EQ(calls_, 1);
  auto fresh = cache->peek("recs:1", policy_, launcher(), &series_);
  ASSERT_TRUE(fresh.value);
  EXPECT_EQ(json::parse(*fresh.value), (json::array{1, 2}));
  EXPECT_FALSE(fresh.refreshing);
  EXPECT_FALSE(fresh.stale_age_ms);
  now_ += 70'000;
  answer_ = [] { return Json("next"); };
  auto stale = cache->peek("recs:1", policy_, launcher(), &series_);
  ASSERT_TRUE(stale.value);
  EXPECT_EQ(json::parse(*stale.value), (json::array{1, 2}));
  EXPECT_EQ(stale.stale_age_ms, 70'000);
  EXPECT_TRUE(stale.refreshing);
  join_refreshes();
  EXPECT_EQ(json::parse(*cache->peek("recs:1", policy_, launcher(), &series_).value), "next");
  EXPECT_EQ(calls_, 2);
}

TEST_F(SwrCacheTest, AFailingBackendNeverFailsTheStep) {
  auto cache = make(std::make_shared<BrokenCache>());
  auto answer = get(*cache);
  ASSERT_TRUE(answer.result.ok());
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_GE(count(&StepCacheSeries::error), 2u);  // the read and the lease (and the store)
  auto peek = cache->peek("recs:1", policy_, launcher(), &series_);
  EXPECT_FALSE(peek.value);
}

// --- one read per miss: lookup()'s read is carried into get()

TEST_F(SwrCacheTest, AMissReadsTheBackendOnce) {
  auto backend = std::make_shared<ObservedCache>(std::make_shared<MemoryCache>(), false);
  auto cache = make(backend);
  get(*cache, "a");
  EXPECT_EQ(backend->gets, 1);
  // As the executor asks: lookup() on the request thread, then get() with what it read.
  auto looked = cache->lookup("b", policy_, launcher(), &series_);
  ASSERT_TRUE(std::holds_alternative<SwrCache::Read>(looked));
  FakeCallContext context(5s);
  auto answer = cache->get("b", policy_, context, fetch(), launcher(), &series_,
                           std::get<SwrCache::Read>(std::move(looked)));
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(backend->gets, 2);
  EXPECT_EQ(calls_, 2);
  EXPECT_EQ(count(&StepCacheSeries::miss), 2u);
}

// Several keys looked up together: one trip to the backend, each answered in its place (fresh,
// stale with a refresh, or a read for get() to take).
TEST_F(SwrCacheTest, LookupManyReadsEveryKeyInOneExchange) {
  auto backend = std::make_shared<ObservedCache>(std::make_shared<MemoryCache>(), false);
  auto cache = make(backend);
  get(*cache, "old");
  now_ += 61'000;  // "old" is now stale
  get(*cache, "fresh");
  const int exchanges = backend->exchanges;
  // The stale value's refresh fails, so it stores nothing: a store since the lookup would make
  // the miss's leader read again (a flight may have just filled its key).
  answer_ = [] { return Failure::Of(FailureKind::kBadStatus, "503"); };
  const std::string fresh = "fresh", missing = "missing", old = "old";
  const std::vector<SwrCache::Lookup> lookups{{fresh, policy_, launcher(), &series_},
                                              {missing, policy_, launcher(), &series_},
                                              {old, policy_, launcher(), &series_}};
  auto outcomes = cache->lookup_many(lookups);
  EXPECT_EQ(backend->exchanges - exchanges, 1);
  ASSERT_EQ(outcomes.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<CacheAnswer>(outcomes[0]));
  EXPECT_FALSE(std::get<CacheAnswer>(outcomes[0]).stale_age_ms);
  ASSERT_TRUE(std::holds_alternative<SwrCache::Read>(outcomes[1]));
  ASSERT_TRUE(std::holds_alternative<CacheAnswer>(outcomes[2]));
  EXPECT_EQ(std::get<CacheAnswer>(outcomes[2]).stale_age_ms, 61'000);
  join_refreshes();
  EXPECT_EQ(launched_, 1);  // the stale one's refresh
  answer_ = [] { return Json(json::array{1, 2}); };
  // The miss's read goes to get(), which fetches without reading again.
  FakeCallContext context(5s);
  const int before = backend->exchanges;
  auto answer = cache->get("missing", policy_, context, fetch(), launcher(), &series_,
                           std::get<SwrCache::Read>(std::move(outcomes[1])));
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(backend->exchanges, before);
}

// A flight that stored the value after lookup()'s read: the later get() reads again and serves
// it rather than fetching a second time.
TEST_F(SwrCacheTest, AValueStoredSinceTheLookupIsServedNotFetchedAgain) {
  auto backend = std::make_shared<ObservedCache>(std::make_shared<MemoryCache>(), false);
  auto cache = make(backend);
  auto looked = cache->lookup("orders:42", policy_, launcher(), &series_);
  ASSERT_TRUE(std::holds_alternative<SwrCache::Read>(looked));
  get(*cache);  // another request's flight fetches and stores meanwhile
  ASSERT_EQ(calls_, 1);
  FakeCallContext context(5s);
  auto answer = cache->get("orders:42", policy_, context, fetch(), launcher(), &series_,
                           std::get<SwrCache::Read>(std::move(looked)));
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(count(&StepCacheSeries::fresh), 1u);
}

TEST_F(SwrCacheTest, ABackendErrorInALookupIsCountedOnceAndTheFetchGoesOn) {
  auto backend = std::make_shared<ObservedCache>(std::make_shared<MemoryCache>(), false);
  backend->fail_gets = true;
  auto cache = make(backend);
  auto looked = cache->lookup("orders:42", policy_, launcher(), &series_);
  ASSERT_TRUE(std::holds_alternative<SwrCache::Read>(looked));
  EXPECT_EQ(count(&StepCacheSeries::error), 1u);
  FakeCallContext context(5s);
  auto answer = cache->get("orders:42", policy_, context, fetch(), launcher(), &series_,
                           std::get<SwrCache::Read>(std::move(looked)));
  ASSERT_TRUE(answer.result.ok());
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(backend->gets, 1);
  EXPECT_EQ(count(&StepCacheSeries::error), 1u);
  EXPECT_EQ(calls_, 1);
}

// The value lookup() read, past its stale window, is the fallback when the fetch fails, even if
// the backend dropped it since (evicted).
TEST_F(SwrCacheTest, AFailedFetchFallsBackToTheValueLookupRead) {
  auto memory = std::make_shared<MemoryCache>();
  auto cache = make(std::make_shared<ObservedCache>(memory, false));
  get(*cache);
  now_ += 400'000;
  auto looked = cache->lookup("orders:42", policy_, launcher(), &series_);
  ASSERT_TRUE(std::holds_alternative<SwrCache::Read>(looked));
  memory->del(cache->value_key("orders:42"));
  answer_ = [] { return Failure::Status(503); };
  FakeCallContext context(5s);
  auto answer = cache->get("orders:42", policy_, context, fetch(), launcher(), &series_,
                           std::get<SwrCache::Read>(std::move(looked)));
  ASSERT_TRUE(answer.result.ok());
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(answer.stale_age_ms, 400'000);
  EXPECT_EQ(count(&StepCacheSeries::fallback), 1u);
  EXPECT_EQ(calls_, 2);
}

TEST_F(SwrCacheTest, ValuesUnderThePrefixThatAreNotOursAreMisses) {
  auto backend = std::make_shared<MemoryCache>();
  auto cache = make(backend);
  backend->set(cache->value_key("orders:42"), "not an envelope", 10s);
  auto answer = get(*cache);
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(calls_, 1);
}

// --- the fleet lease: two instances over one shared backend

TEST_F(SwrCacheTest, AcrossInstancesTheLeaseHolderFetchesAndTheOtherReadsItsValue) {
  auto memory = std::make_shared<MemoryCache>();
  auto a = make(std::make_shared<SharedMemory>(memory));
  auto b = make(std::make_shared<SharedMemory>(memory));
  Gate gate;
  answer_ = [&] {
    gate.wait();
    return Json("from-a");
  };
  CacheAnswer on_a;
  std::thread first([&] { on_a = get(*a); });
  while (calls_ == 0) std::this_thread::sleep_for(1ms);
  CacheAnswer on_b;
  std::thread second([&] { on_b = get(*b); });
  std::this_thread::sleep_for(30ms);  // b is polling for a's value
  gate.open();
  first.join();
  second.join();
  EXPECT_EQ(response::result_json(on_a.result), "from-a");
  EXPECT_EQ(response::result_json(on_b.result), "from-a");
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(count(&StepCacheSeries::coalesced), 1u);
  // The lease was released.
  EXPECT_EQ(memory->get(a->lease_key("orders:42")).status, CacheStatus::kMiss);
}

TEST_F(SwrCacheTest, WhenTheLeaseHolderFailsTheOtherInstanceFallsBackToAnOlderValue) {
  auto memory = std::make_shared<MemoryCache>();
  auto a = make(std::make_shared<SharedMemory>(memory));
  auto b = make(std::make_shared<SharedMemory>(memory));
  get(*a);  // cached [1,2]
  now_ += 400'000;
  Gate gate;
  answer_ = [&] {
    gate.wait();
    return Failure::Status(503);
  };
  CacheAnswer on_a;
  std::thread first([&] { on_a = get(*a); });
  while (calls_ < 2) std::this_thread::sleep_for(1ms);
  CacheAnswer on_b;
  std::thread second([&] { on_b = get(*b); });
  std::this_thread::sleep_for(30ms);
  gate.open();
  first.join();
  second.join();
  EXPECT_EQ(calls_, 2);  // b did not call the failing downstream too
  ASSERT_TRUE(on_b.result.ok());
  EXPECT_EQ(response::result_json(on_b.result), (json::array{1, 2}));
  EXPECT_TRUE(on_b.stale_age_ms);
  ASSERT_TRUE(on_a.result.ok());
  EXPECT_TRUE(on_a.stale_age_ms);
}

// The holder stores its value, then releases the lease. An instance that read the value just
// before the store and the lease just after the release must still serve the new value, not an
// older one as if the holder's fetch had failed (and not fetch again).
TEST_F(SwrCacheTest, AValueStoredJustBeforeTheLeaseIsReleasedIsServedNotAnOlderOne) {
  auto memory = std::make_shared<MemoryCache>();
  auto a = make(std::make_shared<SharedMemory>(memory));
  auto observed = std::make_shared<ObservedCache>(memory, true);
  auto b = make(observed);
  get(*a);  // [1,2], the older value
  now_ += 400'000;
  Gate fetching;
  answer_ = [&] {
    fetching.wait();
    return Json("new");
  };
  std::atomic<bool> a_done{false};
  CacheAnswer on_a;
  std::thread first([&] {
    on_a = get(*a);
    a_done = true;
  });
  while (calls_ < 2) std::this_thread::sleep_for(1ms);  // a holds the lease and is fetching
  // b reads the value in get(), then again while it waits for the lease holder: after that second
  // read (still the older value), a finishes (stores, releases) before b looks at the lease.
  int value_reads = 0;
  const std::string vkey = b->value_key("orders:42");
  observed->after_get = [&](std::string_view key) {
    if (key != vkey || ++value_reads != 2) return;
    fetching.open();
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!a_done && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  };
  CacheAnswer on_b = get(*b);
  first.join();
  EXPECT_EQ(value_reads, 3);  // the re-read once the lease was seen released
  EXPECT_EQ(response::result_json(on_a.result), "new");
  ASSERT_TRUE(on_b.result.ok());
  EXPECT_EQ(response::result_json(on_b.result), "new");
  EXPECT_FALSE(on_b.stale_age_ms);
  EXPECT_EQ(calls_, 2);  // the fill and a's fetch
  EXPECT_EQ(count(&StepCacheSeries::fallback), 0u);
}

// Another instance fetched and stored the key after this one's lookup() read: once this one
// holds the lease (so that fetch is over), it reads again and serves that value.
TEST_F(SwrCacheTest, AValueAnotherInstanceStoredSinceTheLookupIsServedNotFetchedAgain) {
  auto memory = std::make_shared<MemoryCache>();
  auto a = make(std::make_shared<SharedMemory>(memory));
  auto b = make(std::make_shared<SharedMemory>(memory));
  auto looked = b->lookup("orders:42", policy_, launcher(), &series_);
  ASSERT_TRUE(std::holds_alternative<SwrCache::Read>(looked));
  get(*a);  // a's whole flight: lease, fetch, store, release
  ASSERT_EQ(calls_, 1);
  FakeCallContext context(5s);
  auto answer = b->get("orders:42", policy_, context, fetch(), launcher(), &series_,
                       std::get<SwrCache::Read>(std::move(looked)));
  EXPECT_EQ(response::result_json(answer.result), (json::array{1, 2}));
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(memory->get(b->lease_key("orders:42")).status, CacheStatus::kMiss);  // released
}

TEST_F(SwrCacheTest, ALeaseLeftByACrashedHolderExpiresAndTheNextInstanceFetches) {
  auto memory = std::make_shared<MemoryCache>();
  auto b = make(std::make_shared<SharedMemory>(memory));
  memory->add(b->lease_key("orders:42"), "1", 150ms);  // a holder that died mid-fetch
  const auto started = std::chrono::steady_clock::now();
  auto answer = get(*b);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(answer.result.ok());
  EXPECT_EQ(calls_, 1);
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 3s);
}

TEST_F(SwrCacheTest, AStaleRefreshIsSkippedWhileAnotherInstanceHoldsTheLease) {
  auto memory = std::make_shared<MemoryCache>();
  auto shared = std::make_shared<SharedMemory>(memory);
  auto a = make(shared);
  get(*a);
  now_ += 61'000;
  memory->add(a->lease_key("orders:42"), "1", 5s);  // another instance is refreshing
  auto stale = get(*a);
  EXPECT_TRUE(stale.stale_age_ms);
  join_refreshes();
  EXPECT_EQ(launched_, 1);
  EXPECT_EQ(calls_, 1);  // the refresh found the lease taken and did not call
}

}  // namespace
}  // namespace mosaic::cache
