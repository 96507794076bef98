#pragma once
// A byte Cache over another that counts reads, can fail them, and runs `after_get` after each
// one: a test sees how often the backend is read, or does something between two reads (another
// instance finishing, an eviction). Set `fail_gets` and `after_get` before the cache is used.
// `gets` counts keys read; `exchanges` counts trips to the backend (a get_many of any size is one).
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
    ++exchanges;
    return read(key);
  }
  std::vector<cache::CacheGet> get_many(std::span<const std::string> keys) override {
    ++exchanges;
    std::vector<cache::CacheGet> out;
    for (const std::string& key : keys) out.push_back(read(key));
    return out;
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
  std::atomic<int> exchanges{0};
  std::atomic<bool> fail_gets{false};
  std::function<void(std::string_view key)> after_get;

 private:
  cache::CacheGet read(std::string_view key) {
    ++gets;
    if (fail_gets) return {cache::CacheStatus::kError, {}};
    cache::CacheGet got = inner_->get(key);
    if (after_get) after_get(key);
    return got;
  }

  std::shared_ptr<cache::Cache> inner_;
  bool shared_;
};

}  // namespace mosaic::testing
