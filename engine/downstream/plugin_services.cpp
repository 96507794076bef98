#include "downstream/plugin_services.hpp"

#include <algorithm>

#include "downstream/tls_client_context.hpp"
#include "metrics/registry.hpp"

namespace mosaic::downstream {

namespace {

constexpr const char* kConnections = "mosaic_downstream_connections";
constexpr const char* kConnectionsHelp =
    "Connections of a downstream's pooled HTTP client: state in_use (slots held by calls), idle, "
    "open.";
const char* const kStates[3] = {"in_use", "idle", "open"};

class DownstreamServices final : public mosaic::PluginServices {
 public:
  DownstreamServices(EnginePluginServices& engine, std::string name)
      : engine_(engine), name_(std::move(name)) {}
  std::shared_ptr<HttpClient> http_client(const HttpClientOptions& options) override {
    return engine_.shared_client(name_, calls_++, options);
  }
  Logger& logger() override { return engine_.logger(); }

 private:
  EnginePluginServices& engine_;
  std::string name_;
  std::size_t calls_ = 0;
};

}  // namespace

std::string options_key(const HttpClientOptions& o) {
  return o.base_url + '\n' + std::to_string(o.max_connections) + '\n' + std::to_string(o.max_idle) +
         '\n' + std::to_string(o.idle_timeout.count()) + '\n' +
         std::to_string(o.connect_timeout.count()) + '\n' + std::to_string(o.max_response) + '\n' +
         o.deadline_header + '\n' + o.tls.ca_file + '\n' + o.tls.cert_file + '\n' + o.tls.key_file +
         '\n' + o.tls.server_name + '\n' + (o.tls.verify ? "verify" : "no-verify") + '\n' +
         tls_files_fingerprint(o.tls);  // renewed certificate files: a new client and context
}

EnginePluginServices::~EnginePluginServices() {
  std::lock_guard lock(mutex_);
  for (const auto& [key, cached] : cache_) forget_gauges(std::get<0>(key), cached);
}

std::shared_ptr<HttpClient> EnginePluginServices::http_client(const HttpClientOptions& options) {
  auto client = std::make_shared<PooledHttpClient>(options);
  std::lock_guard lock(mutex_);
  std::erase_if(clients_, [](const auto& weak) { return weak.expired(); });
  clients_.push_back(client);
  return client;
}

std::unique_ptr<mosaic::PluginServices> EnginePluginServices::for_downstream(
    const std::string& name) {
  return std::make_unique<DownstreamServices>(*this, name);
}

std::shared_ptr<PooledHttpClient> EnginePluginServices::shared_client(
    const std::string& downstream, std::size_t nth, const HttpClientOptions& options) {
  Key key{downstream, nth, options_key(options)};
  {
    std::lock_guard lock(mutex_);
    sweep();
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (auto client = it->second.client.lock()) return client;
    }
  }
  // Built outside the lock: the constructor validates (and may throw ConfigError).
  auto client = std::make_shared<PooledHttpClient>(options);
  std::lock_guard lock(mutex_);
  Cached& cached = cache_[key];
  if (auto raced = cached.client.lock()) return raced;
  cached.client = client;
  clients_.push_back(client);
  // Only the first client of a downstream is in the gauges: one pool per downstream is the rule.
  if (nth == 0) register_gauges(downstream, cached, client);
  return client;
}

void EnginePluginServices::register_gauges(const std::string& downstream, Cached& cached,
                                           const std::weak_ptr<PooledHttpClient>& weak) {
  // Registered under mutex_; the registry never calls back into this object while holding its
  // own lock except through these callbacks, which take no lock of ours.
  auto& registry = metrics::Registry::global();
  for (int i = 0; i < 3; ++i) {
    cached.gauge_ids[i] = registry.gauge_callback(
        kConnections, kConnectionsHelp, {{"downstream", downstream}, {"state", kStates[i]}},
        [weak, i] {
          auto client = weak.lock();
          if (!client) return 0.0;
          const HttpPoolStats s = client->stats();
          const std::size_t v = i == 0 ? s.in_use : i == 1 ? s.idle : s.open;
          return static_cast<double>(v);
        });
  }
}

void EnginePluginServices::forget_gauges(const std::string& downstream, const Cached& cached) {
  for (int i = 0; i < 3; ++i) {
    if (cached.gauge_ids[i] == 0) continue;
    metrics::Registry::global().remove_gauge_callback(
        kConnections, {{"downstream", downstream}, {"state", kStates[i]}}, cached.gauge_ids[i]);
  }
}

void EnginePluginServices::sweep() {
  std::erase_if(clients_, [](const auto& weak) { return weak.expired(); });
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.client.expired()) {
      forget_gauges(std::get<0>(it->first), it->second);
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
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
