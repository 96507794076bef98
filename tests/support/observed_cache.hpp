#pragma once
// A byte Cache over another that counts reads, can fail them, and runs `after_get` after each
// one: a test sees how often the backend is read, or does something between two reads (another
// instance finishing, an eviction). Set `fail_gets` and `after_get` before the cache is used.
#include <atomic>
#include <functional>
#include <memory>
#include <string_view>

#include "cache/cache.hpp"

namespace mosaic::testing {

class ObservedCache : public cache::Cache {
 public:
  ObservedCache(std::shared_ptr<cache::Cache> inner, bool shared)
      : inner_(std::move(inner)), shared_(shared) {}
  cache::CacheGet get(std::string_view key) override {
    ++gets;
    if (fail_gets) return {cache::CacheStatus::kError, {}};
    cache::CacheGet got = inner_->get(key);
    if (after_get) after_get(key);
    return got;
  }
  cache::CacheStatus set(std::string_view key, std::string_view value,
                         std::chrono::milliseconds ttl) override {
    return inner_->set(key, value, ttl);
  }
  cache::CacheStatus add(std::string_view key, std::string_view value,
                         std::chrono::milliseconds ttl) override {
    return inner_->add(key, value, ttl);
  }
  cache::CacheStatus del(std::string_view key) override { return inner_->del(key); }
  const char* backend() const override { return "observed"; }
  bool shared() const override { return shared_; }

  std::atomic<int> gets{0};
  std::atomic<bool> fail_gets{false};
  std::function<void(std::string_view key)> after_get;

 private:
  std::shared_ptr<cache::Cache> inner_;
  bool shared_;
};

}  // namespace mosaic::testing
