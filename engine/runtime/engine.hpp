#pragma once
// The whole engine in one object: what mosaicd runs and what integration tests start in-process.
// It owns the shared services (log writer, deadline timer, worker pools, plugin loader) and the
// current config generation, and serves it on the public listener.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_server.hpp"
#include "cache/swr_cache.hpp"
#include "config/engine_config.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "execution/deadline_timer.hpp"
#include "execution/executor.hpp"
#include "execution/worker_pool.hpp"
#include "health/lag_monitor.hpp"
#include "logging/context_logger.hpp"
#include "logging/log_writer.hpp"
#include "metrics/registry.hpp"
#include "offload/offload_pool.hpp"
#include "runtime/generation.hpp"
#include "runtime/reload.hpp"
#include "server/http_server.hpp"
#include "server/tls_listener.hpp"

namespace mosaic::delivery {
class ResultStore;
struct WebSocketHub;
}  // namespace mosaic::delivery

namespace mosaic::runtime {

struct EngineOptions {
  logging::LogWriter::Options log;
  std::size_t step_threads = 512;  // blocking downstream calls in flight, all requests together
  std::size_t step_queue = 1024;
  std::size_t background_threads = 32;
  std::size_t background_queue = 1024;
};

class Engine {
 public:
  // Loads and validates `config_path` fully. nullptr with every error in `diagnostics`.
  static std::unique_ptr<Engine> create(const std::string& config_path,
                                        config::Diagnostics& diagnostics,
                                        EngineOptions options = {});
  ~Engine();

  void start();  // listens on server.listen, then admin.listen; throws naming the address
  std::uint16_t port() const { return server_->port(); }
  std::uint16_t admin_port() const { return admin_->port(); }
  // SIGTERM: stop accepting, finish requests in flight (up to server.drain_timeout). The admin
  // listener stays up meanwhile; /readyz answers 503.
  bool drain();
  bool draining() const { return draining_.load(); }

  // SIGHUP and POST /reload: reads, validates and builds the whole config file again beside the
  // running generation, then swaps it in at once. Requests in flight finish on the generation
  // they started with (it is freed when the last one ends); an invalid config, or one that
  // changes a restart-only setting (runtime/reload.hpp), is refused, its errors logged and
  // counted, and the running generation stays. With server.tls, renewed certificate and key files
  // (same paths, new content) are loaded too and serve new connections; files that cannot be used
  // refuse the reload like any other error. One reload at a time.
  ReloadResult reload();

  std::shared_ptr<const Generation> generation() const;
  logging::LogWriter& log() { return *log_; }
  delivery::ResultStore& results() { return *results_; }

 private:
  explicit Engine(EngineOptions options);
  void register_metrics();

  EngineOptions options_;
  std::unique_ptr<logging::LogWriter> log_;
  // Background results for the front end; outlives the pools, whose tasks write into it.
  std::unique_ptr<delivery::ResultStore> results_;
  std::unique_ptr<delivery::WebSocketHub> websockets_;
  logging::ContextLogger logger_;
  exec::DeadlineTimer timer_;
  std::unique_ptr<exec::WorkerPool> step_pool_;
  std::unique_ptr<exec::WorkerPool> background_pool_;
  std::unique_ptr<offload::OffloadPool> offload_;  // `offload:`; set at start, kept across reloads
  std::shared_ptr<cache::SwrCache> cache_;         // `cache:`; set at start, kept across reloads
  std::unique_ptr<health::LagMonitor> lag_monitor_;  // `monitor:`
  std::unique_ptr<downstream::PluginLoader> loader_;
  std::unique_ptr<downstream::EnginePluginServices> services_;
  std::unique_ptr<exec::Executor> executor_;
  mutable std::mutex generation_mutex_;
  std::shared_ptr<const Generation> generation_;
  std::vector<downstream::LoadedPluginInfo> plugins_;  // under generation_mutex_
  std::shared_ptr<server::ListenerTls> listener_tls_;  // server.tls; renewed by reload
  std::unique_ptr<server::HttpServer> server_;

  std::string config_path_;
  std::mutex reload_mutex_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<admin::AdminServer> admin_;
  std::vector<std::pair<std::string, metrics::Labels>> gauges_;  // registered by this engine
  std::vector<std::uint64_t> gauge_ids_;
};

}  // namespace mosaic::runtime
