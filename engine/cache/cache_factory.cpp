#include "cache/cache_factory.hpp"

#include "cache/memcached_cache.hpp"
#include "cache/memory_cache.hpp"

namespace mosaic::cache {

std::shared_ptr<SwrCache> make_swr_cache(const config::CacheConfig& config, Logger* logger) {
  std::shared_ptr<Cache> backend;
  if (config.backend == config::CacheBackend::kMemcached) {
    MemcachedCache::Options options;
    for (const auto& server : config.servers) options.servers.push_back({server.host, server.port});
    options.timeout = config.timeout;
    options.logger = logger;
    backend = std::make_shared<MemcachedCache>(std::move(options));
  } else {
    MemoryCache::Options options;
    options.max_bytes = config.max_bytes;
    options.metrics = true;
    backend = std::make_shared<MemoryCache>(std::move(options));
  }
  SwrCache::Options options;
  options.prefix = config.prefix;
  return SwrCache::create(std::move(backend), std::move(options));
}

}  // namespace mosaic::cache
