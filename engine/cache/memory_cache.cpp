#include "cache/memory_cache.hpp"

#include <algorithm>

#include "metrics/registry.hpp"

namespace mosaic::cache {

const char* to_string(CacheStatus status) {
  switch (status) {
    case CacheStatus::kOk:
      return "ok";
    case CacheStatus::kMiss:
      return "miss";
    case CacheStatus::kNotStored:
      return "not_stored";
    case CacheStatus::kError:
      return "error";
  }
  return "error";
}

MemoryCache::MemoryCache(Options options) : options_(std::move(options)) {
  const std::size_t n = std::max<std::size_t>(1, options_.shards);
  shard_limit_ = options_.max_bytes / n;
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
  if (!options_.metrics) return;
  auto& registry = metrics::Registry::global();
  auto add = [&](const char* name, const char* help, std::function<double()> read) {
    gauges_.emplace_back(name, registry.gauge_callback(name, help, {}, std::move(read)));
  };
  add("mosaic_cache_memory_bytes",
      "Bytes held by the memory cache backend (keys, values, overhead).",
      [this] { return static_cast<double>(bytes()); });
  add("mosaic_cache_memory_entries", "Entries held by the memory cache backend.",
      [this] { return static_cast<double>(entries()); });
  add("mosaic_cache_memory_evictions",
      "Entries the memory cache backend evicted for room (since start).",
      [this] { return static_cast<double>(evictions()); });
}

MemoryCache::~MemoryCache() {
  for (const auto& [name, id] : gauges_)
    metrics::Registry::global().remove_gauge_callback(name, {}, id);
}

MemoryCache::Shard& MemoryCache::shard_for(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void MemoryCache::erase(Shard& shard, std::list<Entry>::iterator it) {
  shard.bytes -= charge(it->key, it->value);
  shard.index.erase(std::string_view(it->key));
  shard.lru.erase(it);
}

CacheGet MemoryCache::get(std::string_view key) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return {CacheStatus::kMiss, {}};
  auto it = found->second;
  if (it->expires <= now()) {
    erase(shard, it);
    return {CacheStatus::kMiss, {}};
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it);
  return {CacheStatus::kOk, it->value};
}

CacheStatus MemoryCache::store(std::string_view key, std::string_view value,
                               std::chrono::milliseconds ttl, bool only_if_absent) {
  const std::uint64_t cost = charge(key, value);
  if (cost > shard_limit_) return CacheStatus::kNotStored;
  const Clock::time_point at = now();
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found != shard.index.end()) {
    if (only_if_absent && found->second->expires > at) return CacheStatus::kNotStored;
    erase(shard, found->second);
  }
  if (ttl.count() <= 0) return CacheStatus::kOk;  // stored and expired at once
  while (!shard.lru.empty() && shard.bytes + cost > shard_limit_) {
    erase(shard, std::prev(shard.lru.end()));
    ++shard.evictions;
  }
  shard.lru.push_front(Entry{std::string(key), std::string(value), at + ttl});
  shard.index.emplace(std::string_view(shard.lru.front().key), shard.lru.begin());
  shard.bytes += cost;
  return CacheStatus::kOk;
}

CacheStatus MemoryCache::set(std::string_view key, std::string_view value,
                             std::chrono::milliseconds ttl) {
  return store(key, value, ttl, false);
}

CacheStatus MemoryCache::add(std::string_view key, std::string_view value,
                             std::chrono::milliseconds ttl) {
  return store(key, value, ttl, true);
}

CacheStatus MemoryCache::del(std::string_view key) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return CacheStatus::kMiss;
  erase(shard, found->second);
  return CacheStatus::kOk;
}

std::uint64_t MemoryCache::bytes() const {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->bytes;
  }
  return total;
}

std::size_t MemoryCache::entries() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->lru.size();
  }
  return total;
}

std::uint64_t MemoryCache::evictions() const {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->evictions;
  }
  return total;
}

}  // namespace mosaic::cache
