#pragma once
// The engine's cache from `cache:` in mosaic.yaml: a MemoryCache or a MemcachedCache under one
// SwrCache. Created once per process (a reload cannot change `cache:`).
#include <memory>

#include "cache/swr_cache.hpp"
#include "config/cache_config.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::cache {

// Throws std::runtime_error when the backend cannot be set up. `logger` must outlive the cache.
std::shared_ptr<SwrCache> make_swr_cache(const config::CacheConfig& config, Logger* logger);

}  // namespace mosaic::cache
