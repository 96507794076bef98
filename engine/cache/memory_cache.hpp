#pragma once
// The embedded cache backend (`cache: { backend: memory }`, the default): entries live in this
// process, split over shards by key hash so requests for different keys rarely share a lock.
// Each shard holds max_bytes / shards; past that the least recently used entries go. An entry
// costs its key, its value and a fixed overhead (kEntryOverhead, roughly the node, the index
// slot and the allocator's share), so the bound holds for many small values too.
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/cache.hpp"

namespace mosaic::cache {

class MemoryCache : public Cache {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::uint64_t kEntryOverhead = 96;

  struct Options {
    std::uint64_t max_bytes = 256ull << 20;
    std::size_t shards = 16;
    std::function<Clock::time_point()> now;  // tests move time; empty: the steady clock
    // Export mosaic_cache_memory_{bytes,entries,evictions} (scrape-time gauges) while it lives.
    bool metrics = false;
  };

  explicit MemoryCache(Options options);
  MemoryCache() : MemoryCache(Options{}) {}
  ~MemoryCache() override;
  MemoryCache(const MemoryCache&) = delete;
  MemoryCache& operator=(const MemoryCache&) = delete;

  CacheGet get(std::string_view key) override;
  CacheStatus set(std::string_view key, std::string_view value,
                  std::chrono::milliseconds ttl) override;
  CacheStatus add(std::string_view key, std::string_view value,
                  std::chrono::milliseconds ttl) override;
  CacheStatus del(std::string_view key) override;
  const char* backend() const override { return "memory"; }
  bool shared() const override { return false; }

  std::uint64_t bytes() const;  // charged bytes, all shards
  std::size_t entries() const;  // entries held (expired ones not yet seen included)
  std::uint64_t evictions() const;
  static std::uint64_t charge(std::string_view key, std::string_view value) {
    return key.size() + value.size() + kEntryOverhead;
  }

 private:
  struct Entry {
    std::string key;
    std::string value;
    Clock::time_point expires;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into lru keys
    std::uint64_t bytes = 0;
    std::uint64_t evictions = 0;
  };

  Shard& shard_for(std::string_view key);
  Clock::time_point now() const { return options_.now ? options_.now() : Clock::now(); }
  CacheStatus store(std::string_view key, std::string_view value, std::chrono::milliseconds ttl,
                    bool only_if_absent);
  static void erase(Shard& shard, std::list<Entry>::iterator it);

  Options options_;
  std::uint64_t shard_limit_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::pair<std::string, std::uint64_t>> gauges_;  // name, registration id
};

}  // namespace mosaic::cache
