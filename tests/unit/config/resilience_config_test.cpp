// A downstream's bulkhead:, retry:, breaker: and hedge: in mosaic.yaml: defaults, every key, and
// each error at its file:line:col.
#include "config/resilience_config.hpp"

#include <gtest/gtest.h>

#include "config/engine_config.hpp"
#include "config_test_support.hpp"

namespace mosaic::config {
namespace {

using namespace std::chrono_literals;
using testing::HasError;
using testing::TempDir;

std::string engine_with(const std::string& downstream_body) {
  return "downstreams:\n  users:\n    plugin: mock\n" + downstream_body;
}

std::optional<EngineConfig> load(TempDir& dir, const std::string& text, Diagnostics& diagnostics,
                                 std::string* file_out = nullptr) {
  const std::string file = dir.write("mosaic.yaml", text);
  if (file_out) *file_out = file;
  return load_engine_config(file, diagnostics);
}

TEST(ResilienceConfig, DefaultsAreABulkheadAndABreakerWithoutRetriesOrHedging) {
  TempDir dir;
  Diagnostics diagnostics;
  auto config = load(dir, engine_with(""), diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  const ResilienceConfig& r = config->downstreams.at(0).resilience;
  EXPECT_TRUE(r.bulkhead.enabled);
  EXPECT_EQ(r.bulkhead.max_concurrent, 64);
  EXPECT_EQ(r.bulkhead.max_queue, 64);
  EXPECT_EQ(r.bulkhead.queue_timeout, 50ms);
  EXPECT_EQ(r.retry.attempts, 1);
  EXPECT_TRUE(r.breaker.enabled);
  EXPECT_DOUBLE_EQ(r.breaker.failure_ratio, 0.5);
  EXPECT_EQ(r.breaker.min_calls, 20);
  EXPECT_EQ(r.breaker.window, 10s);
  EXPECT_EQ(r.breaker.open_for, 5s);
  EXPECT_EQ(r.breaker.half_open_calls, 3);
  EXPECT_FALSE(r.hedge.after);
}

TEST(ResilienceConfig, ReadsEveryKey) {
  TempDir dir;
  Diagnostics diagnostics;
  auto config = load(
      dir,
      engine_with("    bulkhead: { max_concurrent: 8, max_queue: 0, queue_timeout: 20ms }\n"
                  "    retry: { attempts: 3, backoff: 10ms, max_backoff: 80ms, budget: 0.2, "
                  "attempt_timeout: 150ms }\n"
                  "    breaker: { failure_ratio: 0.25, min_calls: 5, window: 2s, open_for: 300ms, "
                  "half_open_calls: 2 }\n"
                  "    hedge: { after: 40ms, budget: 0.05 }\n"),
      diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  const ResilienceConfig& r = config->downstreams.at(0).resilience;
  EXPECT_EQ(r.bulkhead.max_concurrent, 8);
  EXPECT_EQ(r.bulkhead.max_queue, 0);
  EXPECT_EQ(r.bulkhead.queue_timeout, 20ms);
  EXPECT_EQ(r.retry.attempts, 3);
  EXPECT_EQ(r.retry.backoff, 10ms);
  EXPECT_EQ(r.retry.max_backoff, 80ms);
  EXPECT_DOUBLE_EQ(r.retry.budget, 0.2);
  ASSERT_TRUE(r.retry.attempt_timeout);
  EXPECT_EQ(*r.retry.attempt_timeout, 150ms);
  EXPECT_DOUBLE_EQ(r.breaker.failure_ratio, 0.25);
  EXPECT_EQ(r.breaker.min_calls, 5);
  EXPECT_EQ(r.breaker.window, 2s);
  EXPECT_EQ(r.breaker.open_for, 300ms);
  EXPECT_EQ(r.breaker.half_open_calls, 2);
  ASSERT_TRUE(r.hedge.after);
  EXPECT_EQ(*r.hedge.after, 40ms);
  EXPECT_DOUBLE_EQ(r.hedge.budget, 0.05);
}

TEST(ResilienceConfig, AnEmptyRetrySectionTurnsRetriesOnAndOffTurnsSectionsOff) {
  TempDir dir;
  Diagnostics diagnostics;
  auto config = load(
      dir, engine_with("    retry: {}\n    bulkhead: off\n    breaker: false\n    hedge: off\n"),
      diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  const ResilienceConfig& r = config->downstreams.at(0).resilience;
  EXPECT_EQ(r.retry.attempts, 2);
  EXPECT_DOUBLE_EQ(r.retry.budget, 0.1);
  EXPECT_EQ(r.retry.backoff, 25ms);
  EXPECT_EQ(r.retry.max_backoff, 250ms);
  EXPECT_FALSE(r.retry.attempt_timeout);
  EXPECT_FALSE(r.bulkhead.enabled);
  EXPECT_FALSE(r.breaker.enabled);
  EXPECT_FALSE(r.hedge.after);
}

TEST(ResilienceConfig, ALargerBackoffRaisesTheDefaultCap) {
  TempDir dir;
  Diagnostics diagnostics;
  auto config = load(dir, engine_with("    retry: { backoff: 500ms }\n"), diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->downstreams.at(0).resilience.retry.max_backoff, 5s);
}

TEST(ResilienceConfig, EachBadValueIsReportedAtItsPosition) {
  TempDir dir;
  Diagnostics diagnostics;
  std::string file;
  auto config = load(
      dir,
      engine_with(
          "    bulkhead: { max_concurrent: 0, max_queue: -1, queue_timeout: 5 }\n"      // line 4
          "    retry: { attempts: 11, backoff: 50ms, max_backoff: 10ms, budget: 0 }\n"  // 5
          "    breaker: { failure_ratio: 1.5, min_calls: x, window: 10ms, open_for: 0s }\n"  // 6
          "    hedge: { after: 2m, budget: nan }\n"                                          // 7
          "    retries: { attempts: 2 }\n"),                                                 // 8
      diagnostics, &file);
  EXPECT_FALSE(config);
  EXPECT_TRUE(
      HasError(diagnostics, file, 4, 33, "max_concurrent must be an integer from 1 to 100000"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 47, "max_queue must be an integer from 0 to 100000"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 66, "bad duration '5' for queue_timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 24, "attempts must be an integer from 1 to 10"));
  EXPECT_TRUE(
      HasError(diagnostics, file, 5, 56, "retry.max_backoff must be at least retry.backoff"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 70, "budget must be a number above 0"));
  EXPECT_TRUE(
      HasError(diagnostics, file, 6, 31, "failure_ratio must be a number above 0 and at most 1"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 47, "min_calls must be an integer"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 58, "breaker.window must be at least 100ms"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 74, "open_for must be greater than 0"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 21, "after must be at most 60000ms"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 33, "budget must be a number above 0"));
  EXPECT_TRUE(HasError(diagnostics, file, 8, 5, "unknown key 'retries'"));
}

TEST(ResilienceConfig, UnknownKeysInsideASectionAndAHedgeWithoutAfter) {
  TempDir dir;
  Diagnostics diagnostics;
  std::string file;
  auto config = load(dir,
                     engine_with("    bulkhead: { max_inflight: 3 }\n"  // line 4
                                 "    hedge: { budget: 0.5 }\n"),       // line 5
                     diagnostics, &file);
  EXPECT_FALSE(config);
  EXPECT_TRUE(HasError(
      diagnostics, file, 4, 17,
      "unknown key 'max_inflight' in bulkhead (expected one of: max_concurrent, max_queue, "
      "queue_timeout)"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 5, "missing required key 'after' in hedge"));
}

TEST(ResilienceConfig, TheKeyChangesWithEverySetting) {
  ResilienceConfig a;
  ResilienceConfig b;
  EXPECT_EQ(resilience_key(a), resilience_key(b));
  b.breaker.open_for = 1s;
  EXPECT_NE(resilience_key(a), resilience_key(b));
  b = a;
  b.hedge.after = 10ms;
  EXPECT_NE(resilience_key(a), resilience_key(b));
  b = a;
  b.bulkhead.max_queue = 1;
  EXPECT_NE(resilience_key(a), resilience_key(b));
}

}  // namespace
}  // namespace mosaic::config
