#pragma once
// The shared cache backend (`cache: { backend: memcached }`): libmemcached through a
// memcached_pool (a memcached_st is not thread-safe), several servers on a ketama consistent
// hash ring, connect and poll timeouts of `cache.timeout`, and one CacheBreaker per server so a
// hung server costs at most a few timeouts before its keys are skipped at once.
//
// Keys that memcached cannot take (over 240 bytes, spaces or control characters) are replaced
// by "#" + their SHA-1, so request data never makes a key invalid. Expiry is given to memcached
// in whole seconds rounded up, plus one: memcached's clock ticks once a second, and an item set
// with `exptime N` may otherwise vanish up to a second early.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "cache/cache_breaker.hpp"
#include "metrics/registry.hpp"
#include "mosaic/logger.hpp"

struct memcached_st;
struct memcached_pool_st;

namespace mosaic::cache {

class MemcachedCache : public Cache {
 public:
  struct Server {
    std::string host;
    std::uint16_t port = 11211;
    std::string str() const { return host + ":" + std::to_string(port); }
  };
  struct Options {
    std::vector<Server> servers;
    std::chrono::milliseconds timeout{
        50};  // connect and poll; also the longest wait for a pooled connection
    std::uint32_t max_connections = 128;
    CacheBreaker::Options breaker;
    Logger* logger = nullptr;  // breaker state changes; must outlive the cache
  };

  // Throws std::runtime_error when libmemcached refuses the setup (no server, bad host).
  explicit MemcachedCache(Options options);
  ~MemcachedCache() override;
  MemcachedCache(const MemcachedCache&) = delete;
  MemcachedCache& operator=(const MemcachedCache&) = delete;

  CacheGet get(std::string_view key) override;
  std::vector<CacheGet> get_many(std::span<const std::string> keys) override;
  CacheStatus set(std::string_view key, std::string_view value,
                  std::chrono::milliseconds ttl) override;
  CacheStatus add(std::string_view key, std::string_view value,
                  std::chrono::milliseconds ttl) override;
  CacheStatus del(std::string_view key) override;
  const char* backend() const override { return "memcached"; }
  bool shared() const override { return true; }
  bool degraded() const override {
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      if (breaker_state(i) != CacheBreaker::State::kClosed) return true;
    }
    return false;
  }

  CacheBreaker::State breaker_state(std::size_t server) const {
    return servers_[server]->breaker.state();
  }
  std::size_t server_count() const { return servers_.size(); }
  // The key memcached sees for `key` (tests).
  static std::string wire_key(std::string_view key);
  // Expiry as sent to memcached, in seconds (tests).
  static std::uint32_t wire_expiry(std::chrono::milliseconds ttl);

 private:
  struct ServerState {
    std::string name;
    CacheBreaker breaker;
    metrics::Counter& rejected;
    metrics::Counter& errors;
    ServerState(std::string n, CacheBreaker::Options options, CacheBreaker::OnChange on_change,
                metrics::Counter& r, metrics::Counter& e)
        : name(std::move(n)), breaker(options, std::move(on_change)), rejected(r), errors(e) {}
  };
  enum class Outcome { kOk, kMiss, kNotStored, kServerFailed };

  // Runs `op` on a pooled connection for the server owning `key`, behind that server's breaker.
  std::uint32_t server_of(const std::string& wire) const;
  // A pooled connection for a call to `server`, or nullptr (counted) when its breaker refuses or
  // no connection frees up within the timeout. Released with memcached_pool_release.
  memcached_st* connection_for(ServerState& server);
  // One multi-get of `group` (indexes into `wires`, all owned by `server`) into `out`.
  void get_group(std::size_t server, const std::vector<std::string>& wires,
                 const std::vector<std::size_t>& group, std::vector<CacheGet>& out);
  template <typename Op>
  CacheStatus run(const std::string& key, Op&& op);
  void on_breaker_change(std::size_t server, CacheBreaker::State from, CacheBreaker::State to);

  Options options_;
  memcached_st* master_ = nullptr;
  memcached_pool_st* pool_ = nullptr;
  std::vector<std::unique_ptr<ServerState>> servers_;
  metrics::Counter& pool_timeouts_;
};

}  // namespace mosaic::cache
