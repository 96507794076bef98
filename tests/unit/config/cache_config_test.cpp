// `cache:` in mosaic.yaml and on a step: defaults, every key, and errors at file:line:col.
#include <gtest/gtest.h>

#include "config/engine_config.hpp"
#include "config_test_support.hpp"
#include "runtime/reload.hpp"

namespace mosaic::config {
namespace {

using namespace std::chrono_literals;
using testing::HasError;
using testing::TempDir;

TEST(CacheConfig, DefaultsToAnEmbeddedMemoryCache) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", "server: { listen: 127.0.0.1:0 }\n");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->cache.backend, CacheBackend::kMemory);
  EXPECT_EQ(config->cache.max_bytes, 256ull << 20);
  EXPECT_TRUE(config->cache.servers.empty());
  EXPECT_EQ(config->cache.timeout, 50ms);
  EXPECT_EQ(config->cache.prefix, "mosaic:");
}

TEST(CacheConfig, ReadsEveryKey) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(cache:
  backend: memcached
  max_bytes: 64MiB
  servers: [127.0.0.1:11211, "cache-2.internal:11212", "[::1]:11213"]
  timeout: 30ms
  prefix: "shop:"
)");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->cache.backend, CacheBackend::kMemcached);
  EXPECT_EQ(config->cache.max_bytes, 64ull << 20);
  ASSERT_EQ(config->cache.servers.size(), 3u);
  EXPECT_EQ(config->cache.servers[0].str(), "127.0.0.1:11211");
  EXPECT_EQ(config->cache.servers[1].str(), "cache-2.internal:11212");
  EXPECT_EQ(config->cache.servers[2].host, "::1");
  EXPECT_EQ(config->cache.servers[2].port, 11213);
  EXPECT_EQ(config->cache.timeout, 30ms);
  EXPECT_EQ(config->cache.prefix, "shop:");
}

TEST(CacheConfig, BadValuesAreReportedWhereTheyAre) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(cache:
  backend: redis
  max_bytes: 1KiB
  servers: [127.0.0.1, "host:0"]
  timeout: 10s
  prefix: "has space"
  size: 1
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, file, 2, 12,
                       "bad cache backend 'redis' (expected memory or memcached)"));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 14, "cache.max_bytes must be at least 64KiB"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 13, "bad memcached server '127.0.0.1'"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 24, "bad memcached server 'host:0'"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 12, "timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 11, "bad cache prefix"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 3, "unknown key 'size' in cache"));
  EXPECT_EQ(diagnostics.items().size(), 7u) << diagnostics.str();
}

TEST(CacheConfig, MemcachedNeedsServers) {
  TempDir dir;
  const std::string file =
      dir.write("mosaic.yaml", "server: { listen: 127.0.0.1:0 }\ncache: { backend: memcached }\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, file, 2, 1, "cache.backend memcached needs cache.servers"))
      << diagnostics.str();
}

TEST(StepCacheConfig, ReadsKeyTtlAndStale) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /orders/{userId}
steps:
  orders:
    call: users
    cache: { key: "orders:${params.userId}", ttl: 60s, stale: 5m }
  plain: { call: users }
)");
  Diagnostics diagnostics;
  auto pipeline = load_pipeline_file(file, diagnostics);
  ASSERT_TRUE(pipeline) << diagnostics.str();
  ASSERT_TRUE(pipeline->steps[0].cache);
  EXPECT_EQ(pipeline->steps[0].cache->key.Scalar(), "orders:${params.userId}");
  EXPECT_EQ(pipeline->steps[0].cache->ttl, 60s);
  EXPECT_EQ(pipeline->steps[0].cache->stale, 300s);
  EXPECT_EQ(pipeline->steps[0].cache->where.line, 5);
  EXPECT_FALSE(pipeline->steps[1].cache);
}

TEST(StepCacheConfig, StaleDefaultsToZero) {
  TempDir dir;
  const std::string file = dir.write(
      "p.yaml", "endpoint: GET /x\nsteps:\n  a: { call: users, cache: { key: k, ttl: 1s } }\n");
  Diagnostics diagnostics;
  auto pipeline = load_pipeline_file(file, diagnostics);
  ASSERT_TRUE(pipeline) << diagnostics.str();
  EXPECT_EQ(pipeline->steps[0].cache->stale, 0ms);
}

TEST(StepCacheConfig, MissingAndBadKeysAreErrors) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /x
steps:
  a: { call: users, cache: { ttl: 1s } }
  b: { call: users, cache: { key: k } }
  c: { call: users, cache: { key: [k], ttl: 0s, stale: soon } }
  d: { call: users, cache: 60s }
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 21, "missing required key 'key' in cache"))
      << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 4, 21, "missing required key 'ttl' in cache"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 35, "cache.key must be a non-empty string template"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 45, "ttl"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 56, "stale"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 28, "expected a mapping"));
}

TEST(CacheConfig, ChangingItNeedsARestart) {
  TempDir dir;
  const std::string before = dir.write("a.yaml", "cache: { backend: memory, max_bytes: 64MiB }\n");
  const std::string after = dir.write(
      "b.yaml",
      "cache: { backend: memcached, servers: [127.0.0.1:11211], timeout: 20ms, prefix: \"x:\" }\n");
  Diagnostics diagnostics;
  auto running = load_engine_config(before, diagnostics);
  auto next = load_engine_config(after, diagnostics);
  ASSERT_TRUE(running && next) << diagnostics.str();
  runtime::check_restart_only_settings(*running, *running, diagnostics);
  EXPECT_TRUE(diagnostics.ok()) << diagnostics.str();
  runtime::check_restart_only_settings(*running, *next, diagnostics);
  const std::string text = diagnostics.str();
  for (const char* key :
       {"cache.backend", "cache.max_bytes", "cache.servers", "cache.timeout", "cache.prefix"}) {
    EXPECT_NE(text.find(std::string(key) + " cannot change on reload"), std::string::npos)
        << key << "\n"
        << text;
  }
}

}  // namespace
}  // namespace mosaic::config
