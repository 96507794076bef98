#pragma once
// What the engine offers a plugin while it creates its downstreams: a pooled HTTP client per
// call of http_client() (one per downstream) and the engine's logger.
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "downstream/http_client_pool.hpp"
#include "mosaic/plugin.hpp"

namespace mosaic::downstream {

class EnginePluginServices final : public mosaic::PluginServices {
 public:
  explicit EnginePluginServices(Logger& logger) : logger_(logger) {}

  // Throws mosaic::ConfigError for invalid options (the plugin lets it through with its path).
  std::shared_ptr<HttpClient> http_client(const HttpClientOptions& options) override;
  Logger& logger() override { return logger_; }

  // Every client created here that is still alive (for metrics: open sockets, pool stats).
  std::vector<std::shared_ptr<PooledHttpClient>> clients() const;
  std::size_t open_connections() const;

 private:
  Logger& logger_;
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<PooledHttpClient>> clients_;
};

}  // namespace mosaic::downstream
