#include "downstream/plugin_services.hpp"

#include <algorithm>

namespace mosaic::downstream {

std::shared_ptr<HttpClient> EnginePluginServices::http_client(const HttpClientOptions& options) {
  auto client = std::make_shared<PooledHttpClient>(options);
  std::lock_guard lock(mutex_);
  std::erase_if(clients_, [](const auto& weak) { return weak.expired(); });
  clients_.push_back(client);
  return client;
}

std::vector<std::shared_ptr<PooledHttpClient>> EnginePluginServices::clients() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<PooledHttpClient>> out;
  for (const auto& weak : clients_) {
    if (auto client = weak.lock()) out.push_back(std::move(client));
  }
  return out;
}

std::size_t EnginePluginServices::open_connections() const {
  std::size_t total = 0;
  for (const auto& client : clients()) total += client->open_connections();
  return total;
}

}  // namespace mosaic::downstream
