#pragma once
// `cache:` in mosaic.yaml (the backend every cached step uses) and `cache:` on a step (its key
// template and lifetimes). The key template is compiled by the pipeline compiler, which knows
// the route's parameters and the other steps.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/map_reader.hpp"
#include "config/source_location.hpp"

namespace mosaic::config {

enum class CacheBackend { kMemory, kMemcached };
const char* to_string(CacheBackend backend);

struct CacheServer {
  std::string host;
  std::uint16_t port = 11211;
  std::string str() const;
};

struct CacheConfig {
  CacheBackend backend = CacheBackend::kMemory;
  std::uint64_t max_bytes = 256ull << 20;  // memory backend
  std::vector<CacheServer> servers;        // memcached backend, one or more
  std::chrono::milliseconds timeout{50};   // memcached connect and poll timeout
  std::string prefix = "mosaic:";          // key namespace
  SourceLocation where;                    // the `cache` key (empty file when absent)
};

struct StepCacheConfig {
  YAML::Node key;  // a string template, e.g. "orders:${params.userId}"
  SourceLocation where;
  std::chrono::milliseconds ttl{0};
  std::chrono::milliseconds stale{0};
};

void read_cache(const std::string& file, const MapEntry& section, CacheConfig& cache,
                Diagnostics& diagnostics);
// `cache:` on a step: left empty when the section has errors.
void read_step_cache(const std::string& file, const MapEntry& entry,
                     std::optional<StepCacheConfig>& cache, Diagnostics& diagnostics);

}  // namespace mosaic::config
