#pragma once
// What the engine offers a plugin while it creates its downstreams: the engine's pooled HTTP
// client and its logger.
//
// Pools carry over config reloads: a client is cached by (downstream name, the n-th client that
// downstream asked for, its options), so a downstream whose settings did not change gets the very
// same PooledHttpClient (and its warm keep-alive connections) in the new generation. The cache
// holds weak references: a pool lives as long as a generation that uses it, so one that only
// an old generation used closes when that generation's last request ends.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "downstream/http_client_pool.hpp"
#include "mosaic/plugin.hpp"

namespace mosaic::downstream {

class EnginePluginServices final : public mosaic::PluginServices {
 public:
  explicit EnginePluginServices(Logger& logger) : logger_(logger) {}
  ~EnginePluginServices() override;

  // A new client every call (no downstream to key it by). Throws mosaic::ConfigError for
  // invalid options (the plugin lets it through with its path).
  std::shared_ptr<HttpClient> http_client(const HttpClientOptions& options) override;
  Logger& logger() override { return logger_; }

  // The services seen while creating the downstream `name`: its http_client() calls are cached
  // across generations as described above. Valid while this object lives.
  std::unique_ptr<mosaic::PluginServices> for_downstream(const std::string& name);

  // The cached client, or a new one (cached): what for_downstream(name) hands out.
  std::shared_ptr<PooledHttpClient> shared_client(const std::string& downstream, std::size_t nth,
                                                  const HttpClientOptions& options);

  // Every client created here that is still alive (for metrics: open sockets, pool stats).
  std::vector<std::shared_ptr<PooledHttpClient>> clients() const;
  std::size_t open_connections() const;

 private:
  using Key = std::tuple<std::string, std::size_t, std::string>;  // downstream, n-th, options
  struct Cached {
    std::weak_ptr<PooledHttpClient> client;
    std::uint64_t gauge_ids[3] = {0, 0, 0};
  };
  void register_gauges(const std::string& downstream, Cached& cached,
                       const std::weak_ptr<PooledHttpClient>& weak);
  void forget_gauges(const std::string& downstream, const Cached& cached);
  void sweep();  // drops entries whose client is gone (and their gauges); mutex_ held

  Logger& logger_;
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<PooledHttpClient>> clients_;
  std::map<Key, Cached> cache_;
};

// A stable text form of every option, the cache key's last part.
std::string options_key(const HttpClientOptions& options);

}  // namespace mosaic::downstream
