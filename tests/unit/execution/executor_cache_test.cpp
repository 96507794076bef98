// The executor with a cache: cached steps call their downstream once, a value served past its
// ttl is listed in _meta.stale with its age, a failed fetch falls back to the cached value, a key
// may read another step, concurrent requests share one fetch, a cached background step puts
// last run's value in the response, and a miss reads the cache once (the request thread's lookup
// is carried to the step's fetch).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cache/memory_cache.hpp"
#include "cache/swr_cache.hpp"
#include "execution/executor.hpp"
#include "observed_cache.hpp"
#include "pipeline/pipeline_compiler.hpp"
#include "scripted_downstream.hpp"

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;

class ExecutorCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mosaic-exec-cache-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    handle_->name = "svc";
    handle_->plugin = "scripted";
    handle_->downstream = downstream_;
    handle_->timeout = 1000ms;
    cache::SwrCache::Options cache_options;
    cache_options.now_ms = [this] { return now_.load(); };
    cache_ = cache::SwrCache::create(backend_, cache_options);
    exec::Executor::Options options;
    options.step_pool = &steps_;
    options.background_pool = &background_pool_;
    options.timer = &timer_;
    options.cache = cache_.get();
    executor_ = std::make_unique<exec::Executor>(std::move(options));
  }
  void TearDown() override {
    executor_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::shared_ptr<const pipeline::CompiledPipeline> compile(const std::string& yaml) {
    const auto path = dir_ / ("p" + std::to_string(files_++) + ".yaml");
    std::ofstream(path) << yaml;
    config::Diagnostics diagnostics;
    auto config = config::load_pipeline_file(path.string(), diagnostics);
    EXPECT_TRUE(config) << diagnostics.str();
    if (!config) return nullptr;
    auto compiled = pipeline::compile_pipeline(
        *config, [this](const std::string& name) { return name == "svc" ? handle_ : nullptr; },
        diagnostics);
    EXPECT_TRUE(compiled) << diagnostics.str();
    if (!compiled) return nullptr;
    return std::make_shared<const pipeline::CompiledPipeline>(std::move(*compiled));
  }

  exec::ExecutionResult run(const std::shared_ptr<const pipeline::CompiledPipeline>& p) {
    exec::RequestInput input;
    input.request_id = "req";
    input.params = {"42"};
    return executor_->run(p, std::move(input));
  }

  std::size_t calls_of(const std::string& id) const {
    std::size_t n = 0;
    for (const auto& c : downstream_->calls()) n += c.id == id;
    return n;
  }
  bool wait_calls(const std::string& id, std::size_t count) const {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (calls_of(id) < count && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(2ms);
    return calls_of(id) >= count;
  }
  bool wait_idle() const {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (cache_->refreshes_in_progress() != 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(2ms);
    }
    return cache_->refreshes_in_progress() == 0;
  }

  static inline int counter_ = 0;
  int files_ = 0;
  std::filesystem::path dir_;
  std::atomic<std::int64_t> now_{1'700'000'000'000};
  std::shared_ptr<ScriptedDownstream> downstream_ = std::make_shared<ScriptedDownstream>();
  std::shared_ptr<pipeline::DownstreamHandle> handle_ =
      std::make_shared<pipeline::DownstreamHandle>();
  std::shared_ptr<cache::MemoryCache> memory_ = std::make_shared<cache::MemoryCache>();
  std::shared_ptr<ObservedCache> backend_ = std::make_shared<ObservedCache>(memory_, false);
  std::shared_ptr<cache::SwrCache> cache_;
  exec::DeadlineTimer timer_;
  exec::WorkerPool steps_{{"steps", 64, 64, std::chrono::seconds(5)}};
  exec::WorkerPool background_pool_{{"background", 4, 16, std::chrono::seconds(5)}};
  std::unique_ptr<exec::Executor> executor_;
};

const char* kOrders = R"(endpoint: GET /orders/{userId}
steps:
  orders: { call: svc, class: degradable, with: { id: orders, value: [1, 2] },
            cache: { key: "orders:${params.userId}", ttl: 60s, stale: 300s } }
)";

TEST_F(ExecutorCacheTest, ACachedStepCallsItsDownstreamOnceThenServesFromTheCache) {
  auto p = compile(kOrders);
  auto first = run(p);
  auto second = run(p);
  ASSERT_EQ(second.status, exec::ExecutionResult::Status::kOk);
  EXPECT_EQ(first.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(second.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(calls_of("orders"), 1u);
  EXPECT_TRUE(second.body().at("_meta").at("stale").as_object().empty());
}

TEST_F(ExecutorCacheTest, AValuePastItsTtlIsServedAndListedInMetaStaleWithItsAge) {
  auto p = compile(kOrders);
  run(p);
  now_ += 61'500;
  auto stale = run(p);
  ASSERT_EQ(stale.status, exec::ExecutionResult::Status::kOk);
  EXPECT_EQ(stale.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(stale.body().at("_meta").at("stale").at("orders"), 61'500);
  EXPECT_FALSE(stale.partial);
  // The background refresh called the downstream once more and stored a fresh value.
  EXPECT_TRUE(wait_calls("orders", 2));
  EXPECT_TRUE(wait_idle());
  auto fresh = run(p);
  EXPECT_TRUE(fresh.body().at("_meta").at("stale").as_object().empty());
  EXPECT_EQ(calls_of("orders"), 2u);
}

TEST_F(ExecutorCacheTest, AFailedFetchFallsBackToTheCachedValueEvenForACriticalStep) {
  auto healthy = compile(R"(endpoint: GET /a/{userId}
steps:
  orders: { call: svc, with: { id: ok, value: "cached" }, cache: { key: "o:${params.userId}", ttl: 1s, stale: 1s } }
)");
  auto failing = compile(R"(endpoint: GET /b/{userId}
steps:
  orders: { call: svc, with: { id: bad, status: 503 }, cache: { key: "o:${params.userId}", ttl: 1s, stale: 1s } }
)");
  run(healthy);
  now_ += 5'000;  // past the stale window by the envelope; the backend still has it
  auto answer = run(failing);
  ASSERT_EQ(answer.status, exec::ExecutionResult::Status::kOk) << answer.reason;
  EXPECT_EQ(answer.body().at("orders"), "cached");
  EXPECT_EQ(answer.body().at("_meta").at("stale").at("orders"), 5'000);
  EXPECT_EQ(calls_of("bad"), 1u);
}

// A miss is read once: the request thread's lookup finds nothing, and the step's fetch on the
// pool takes that read instead of reading the cache again.
TEST_F(ExecutorCacheTest, AMissReadsTheCacheOnce) {
  auto p = compile(R"(endpoint: GET /once/{userId}
steps:
  user:   { call: svc, with: { id: user, value: 1 } }
  orders: { call: svc, with: { id: orders, value: [1, 2] },
            cache: { key: "once:${params.userId}", ttl: 60s } }
)");
  auto miss = run(p);
  ASSERT_EQ(miss.status, exec::ExecutionResult::Status::kOk);
  EXPECT_EQ(miss.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(backend_->gets, 1);
  EXPECT_EQ(calls_of("orders"), 1u);
  run(p);  // a hit: one more read
  EXPECT_EQ(backend_->gets, 2);
  EXPECT_EQ(calls_of("orders"), 1u);
}

// The cache failing on the lookup is counted once (the fetch does not ask it again), and the step
// goes on uncached.
TEST_F(ExecutorCacheTest, ACacheErrorIsCountedOnceAndTheStepGoesOnUncached) {
  auto p = compile(R"(endpoint: GET /err/{userId}
steps:
  orders: { call: svc, with: { id: orders, value: [1, 2] },
            cache: { key: "err:${params.userId}", ttl: 60s } }
)");
  const metrics::Counter& errors = *p->steps[0].cache->series->error;
  const std::uint64_t before = errors.value();
  backend_->fail_gets = true;
  auto answer = run(p);
  ASSERT_EQ(answer.status, exec::ExecutionResult::Status::kOk) << answer.reason;
  EXPECT_EQ(answer.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(errors.value() - before, 1u);
  EXPECT_EQ(backend_->gets, 1);
  EXPECT_EQ(calls_of("orders"), 1u);
}

// The value the lookup read, past its stale window, is the fallback when the fetch fails, even if
// the cache dropped it right after that read (an eviction).
TEST_F(ExecutorCacheTest, AFailedFetchFallsBackToTheValueTheLookupRead) {
  auto healthy = compile(R"(endpoint: GET /ev-a/{userId}
steps:
  orders: { call: svc, with: { id: ok, value: "cached" }, cache: { key: "ev:${params.userId}", ttl: 1s, stale: 1s } }
)");
  auto failing = compile(R"(endpoint: GET /ev-b/{userId}
steps:
  orders: { call: svc, with: { id: bad, status: 503 }, cache: { key: "ev:${params.userId}", ttl: 1s, stale: 1s } }
)");
  run(healthy);
  now_ += 5'000;
  backend_->after_get = [this](std::string_view key) { memory_->del(key); };
  auto answer = run(failing);
  ASSERT_EQ(answer.status, exec::ExecutionResult::Status::kOk) << answer.reason;
  EXPECT_EQ(answer.body().at("orders"), "cached");
  EXPECT_EQ(answer.body().at("_meta").at("stale").at("orders"), 5'000);
  EXPECT_EQ(calls_of("bad"), 1u);
  EXPECT_EQ(memory_->get(cache_->value_key("ev:42")).status, cache::CacheStatus::kMiss);
}

TEST_F(ExecutorCacheTest, WithNothingCachedAFailedFetchFailsTheStepByItsClass) {
  auto critical = compile(R"(endpoint: GET /c/{userId}
steps:
  orders: { call: svc, with: { id: bad, status: 503 }, cache: { key: "c:${params.userId}", ttl: 1s } }
)");
  auto degradable = compile(R"(endpoint: GET /d/{userId}
steps:
  orders: { call: svc, class: degradable, with: { id: bad, status: 503 }, cache: { key: "d:${params.userId}", ttl: 1s } }
)");
  EXPECT_EQ(run(critical).status, exec::ExecutionResult::Status::kDependencyFailed);
  auto page = run(degradable);
  ASSERT_EQ(page.status, exec::ExecutionResult::Status::kOk);
  EXPECT_TRUE(page.body().at("orders").is_null());
  EXPECT_EQ(page.body().at("_meta").at("degraded").at("orders"), "status_503");
  EXPECT_TRUE(page.body().at("_meta").at("stale").as_object().empty());
}

TEST_F(ExecutorCacheTest, AKeyThatReadsAnotherStepWaitsForIt) {
  auto p = compile(R"(endpoint: GET /home/{userId}
steps:
  profile: { call: svc, with: { id: profile, value: { segment: gold } } }
  recs: { call: svc, class: degradable, with: { id: recs, value: [r1] },
          cache: { key: "recs:${steps.profile.segment}", ttl: 60s } }
)");
  run(p);
  run(p);
  EXPECT_EQ(calls_of("profile"), 2u);
  EXPECT_EQ(calls_of("recs"), 1u);
  EXPECT_TRUE(cache_->backend().get(cache_->value_key("recs:gold")).status ==
              cache::CacheStatus::kOk);
}

TEST_F(ExecutorCacheTest, ConcurrentRequestsForOneKeyMakeOneCall) {
  auto p = compile(R"(endpoint: GET /orders/{userId}
steps:
  orders: { call: svc, with: { id: slow, delay_ms: 300, value: ok }, cache: { key: "slow:${params.userId}", ttl: 60s } }
)");
  std::vector<std::thread> requests;
  std::atomic<int> ok{0};
  for (int i = 0; i < 40; ++i) {
    requests.emplace_back([&] {
      auto r = run(p);
      if (r.status == exec::ExecutionResult::Status::kOk && r.body().at("orders") == "ok") ++ok;
    });
  }
  for (auto& t : requests) t.join();
  EXPECT_EQ(ok, 40);
  EXPECT_EQ(calls_of("slow"), 1u);
}

TEST_F(ExecutorCacheTest, ACachedBackgroundStepGivesTheNextRequestLastRunsValue) {
  auto p = compile(R"(endpoint: GET /home/{userId}
steps:
  profile: { call: svc, with: { id: profile, value: Ada } }
  recs: { call: svc, class: background, with: { id: recs, value: [b1, b2] },
          cache: { key: "bg-recs:${params.userId}", ttl: 60s, stale: 600s } }
response:
  profile: "${steps.profile}"
  recs: "${steps.recs}"
)");
  auto first = run(p);
  ASSERT_EQ(first.status, exec::ExecutionResult::Status::kOk);
  EXPECT_TRUE(first.body().at("recs").is_null());  // nothing cached yet
  EXPECT_TRUE(first.body().at("_meta").at("pending").as_object().contains("recs"));
  ASSERT_TRUE(wait_calls("recs", 1));
  ASSERT_TRUE(wait_idle());

  auto second = run(p);
  EXPECT_EQ(second.body().at("recs"), (json::array{"b1", "b2"}));  // last run's value
  EXPECT_FALSE(
      second.body().at("_meta").at("pending").as_object().contains("recs"));  // fresh: no call
  EXPECT_EQ(calls_of("recs"), 1u);

  now_ += 120'000;
  auto third = run(p);
  EXPECT_EQ(third.body().at("recs"), (json::array{"b1", "b2"}));
  EXPECT_TRUE(third.body().at("_meta").at("pending").as_object().contains("recs"));  // refreshing
  EXPECT_EQ(third.body().at("_meta").at("stale").at("recs"), 120'000);
  EXPECT_TRUE(wait_calls("recs", 2));
}

TEST_F(ExecutorCacheTest, WithoutAResponseTemplateACachedBackgroundValueAppearsByName) {
  auto p = compile(R"(endpoint: GET /home/{userId}
steps:
  profile: { call: svc, with: { id: profile, value: Ada } }
  recs: { call: svc, class: background, with: { id: recs, value: [b1] }, cache: { key: "bg2:${params.userId}", ttl: 60s } }
)");
  auto first = run(p);
  EXPECT_FALSE(first.body().as_object().contains("recs"));
  ASSERT_TRUE(wait_calls("recs", 1));
  ASSERT_TRUE(wait_idle());
  auto second = run(p);
  EXPECT_EQ(second.body().at("recs"), (json::array{"b1"}));
}

// A step whose value the cache holds is answered by the request's own thread, after the other
// steps were handed to the step pool: a page whose cached steps hit hands off only the others.
TEST_F(ExecutorCacheTest, ACacheHitIsAnsweredWithoutAHandOff) {
  auto p = compile(R"(endpoint: GET /h/{userId}
steps:
  user:   { call: svc, with: { id: user, value: 1 } }
  orders: { call: svc, with: { id: orders, value: [1, 2] },
            cache: { key: "h:${params.userId}", ttl: 60s, stale: 60s } }
  payment: { call: svc, with: { id: payment, value: 3 },
             cache: { key: "p:${params.userId}", ttl: 60s, stale: 60s } }
)");
  const auto before_miss = steps_.stats().accepted;
  auto miss = run(p);
  const auto before_hit = steps_.stats().accepted;
  auto hit = run(p);
  const auto after_hit = steps_.stats().accepted;
  ASSERT_EQ(hit.status, exec::ExecutionResult::Status::kOk);
  EXPECT_EQ(hit.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(hit.body().at("payment"), 3);
  EXPECT_EQ(before_hit - before_miss, 3u);  // every step: each missed
  EXPECT_EQ(after_hit - before_hit, 1u);    // user only
  EXPECT_EQ(calls_of("orders"), 1u);
  EXPECT_EQ(calls_of("payment"), 1u);
}

// The cached steps of a stage are looked up together: one trip to the cache for both. (On a miss
// a leader may read once more, when another flight stored a value since the lookup.)
TEST_F(ExecutorCacheTest, TheCachedStepsOfAStageAreReadInOneExchange) {
  auto p = compile(R"(endpoint: GET /x/{userId}
steps:
  user:   { call: svc, with: { id: user, value: 1 } }
  orders: { call: svc, with: { id: orders, value: [1, 2] },
            cache: { key: "xo:${params.userId}", ttl: 60s } }
  payment: { call: svc, with: { id: payment, value: 3 },
             cache: { key: "xp:${params.userId}", ttl: 60s } }
)");
  auto miss = run(p);
  ASSERT_EQ(miss.status, exec::ExecutionResult::Status::kOk);
  const int exchanges = backend_->exchanges;
  const int gets = backend_->gets;
  auto hit = run(p);
  ASSERT_EQ(hit.status, exec::ExecutionResult::Status::kOk);
  EXPECT_EQ(hit.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(hit.body().at("payment"), 3);
  EXPECT_EQ(backend_->exchanges - exchanges, 1);
  EXPECT_EQ(backend_->gets - gets, 2);
  EXPECT_EQ(calls_of("orders"), 1u);
  EXPECT_EQ(calls_of("payment"), 1u);
}

// With the cached steps' outcomes known together, the last one the cache cannot answer runs here
// even when a cached step after it was answered: a page of one call and one hit hands nothing off.
TEST_F(ExecutorCacheTest, TheLastMissRunsHereEvenWhenALaterCachedStepHit) {
  auto p = compile(R"(endpoint: GET /y/{userId}
steps:
  orders: { call: svc, with: { id: orders, value: [1, 2] },
            cache: { key: "yo:${params.userId}", ttl: 60s } }
  payment: { call: svc, with: { id: payment, value: 3 },
             cache: { key: "yp:${params.userId}", ttl: 60s } }
)");
  auto warm = compile(R"(endpoint: GET /z/{userId}
steps:
  payment: { call: svc, with: { id: payment, value: 3 },
             cache: { key: "yp:${params.userId}", ttl: 60s } }
)");
  run(warm);  // payment is cached, orders is not
  const auto before = steps_.stats().accepted;
  auto answer = run(p);
  ASSERT_EQ(answer.status, exec::ExecutionResult::Status::kOk) << answer.reason;
  EXPECT_EQ(answer.body().at("orders"), (json::array{1, 2}));
  EXPECT_EQ(answer.body().at("payment"), 3);
  EXPECT_EQ(steps_.stats().accepted - before, 0u);
  EXPECT_EQ(calls_of("orders"), 1u);
}

// The cache holds a result as JSON text: stored as the downstream sent it and served into the
// answer as stored, with no parse on either side; a template reading inside it reads the part it
// names from the text.
TEST_F(ExecutorCacheTest, CachedTextIsStoredAndServedAsSent) {
  auto whole = compile(R"(endpoint: GET /w/{userId}
steps:
  orders: { call: svc, with: { id: orders, text: '[ 1,2 ]' },
            cache: { key: "t:${params.userId}", ttl: 60s, stale: 60s } }
response:
  orders: "${steps.orders}"
)");
  auto inside = compile(R"(endpoint: GET /i/{userId}
steps:
  orders: { call: svc, with: { id: orders, text: '[ 1,2 ]' },
            cache: { key: "t:${params.userId}", ttl: 60s, stale: 60s } }
response:
  first: "${steps.orders.0}"
)");
  auto fetched = run(whole);
  auto served = run(whole);
  auto read = run(inside);
  EXPECT_EQ(calls_of("orders"), 1u);
  EXPECT_EQ(fetched.answer.whole().rfind(R"({"orders":[ 1,2 ],)", 0), 0u) << fetched.answer.whole();
  EXPECT_EQ(served.answer.whole().rfind(R"({"orders":[ 1,2 ],)", 0), 0u) << served.answer.whole();
  EXPECT_EQ(read.body().at("first"), 1);
}

}  // namespace
}  // namespace mosaic::testing
