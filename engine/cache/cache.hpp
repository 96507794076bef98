#pragma once
// The byte cache behind a step's `cache:`: opaque values with an expiry, reached by key. Two
// backends implement it: MemoryCache (in this process) and MemcachedCache (shared by a fleet).
// SwrCache (swr_cache.hpp) builds stale-while-revalidate, coalescing and leases on top.
//
// A backend never throws and never blocks for long: a backend in trouble answers kError quickly
// (MemcachedCache has a breaker for that), and the caller goes on without the cache.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mosaic::cache {

enum class CacheStatus {
  kOk,
  kMiss,       // get: no such key (or it expired)
  kNotStored,  // add: the key exists; set/add: the value is too large to keep
  kError,      // the backend failed or is unavailable (breaker open): go on uncached
};
const char* to_string(CacheStatus status);

struct CacheGet {
  CacheStatus status = CacheStatus::kMiss;
  std::string value;  // when kOk
};

class Cache {
 public:
  virtual ~Cache() = default;

  virtual CacheGet get(std::string_view key) = 0;
  // Several keys, answered in their order. A backend across the network reads them in one
  // exchange where it can (memcached: one multi-get per server), so a page with several cached
  // steps waits for one round trip instead of one per step. By default, get() for each key.
  virtual std::vector<CacheGet> get_many(std::span<const std::string> keys) {
    std::vector<CacheGet> out;
    out.reserve(keys.size());
    for (const std::string& key : keys) out.push_back(get(key));
    return out;
  }
  // Stores `value` for `ttl` (a backend may round up: memcached counts whole seconds).
  virtual CacheStatus set(std::string_view key, std::string_view value,
                          std::chrono::milliseconds ttl) = 0;
  // Stores only if the key is absent: kOk, or kNotStored when it exists. The fleet lease.
  virtual CacheStatus add(std::string_view key, std::string_view value,
                          std::chrono::milliseconds ttl) = 0;
  virtual CacheStatus del(std::string_view key) = 0;

  // "memory" or "memcached".
  virtual const char* backend() const = 0;
  // True when other processes see the same entries (memcached): leases are worth taking.
  virtual bool shared() const = 0;
  // True while some of the backend is skipped because it failed (a memcached breaker is open):
  // requests go on uncached there. Reported by /readyz without failing it.
  virtual bool degraded() const { return false; }
};

}  // namespace mosaic::cache
