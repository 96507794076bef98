#pragma once
// The whole engine in one object: what mosaicd runs and what integration tests start in-process.
// It owns the shared services (log writer, deadline timer, worker pools, plugin loader) and the
// current config generation, and serves it on the public listener.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/engine_config.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "execution/deadline_timer.hpp"
#include "execution/executor.hpp"
#include "execution/worker_pool.hpp"
#include "logging/context_logger.hpp"
#include "logging/log_writer.hpp"
#include "runtime/generation.hpp"
#include "server/http_server.hpp"

namespace mosaic::runtime {

struct EngineOptions {
  logging::LogWriter::Options log;
  std::size_t step_threads = 512;       // blocking downstream calls in flight, all requests together
  std::size_t step_queue = 1024;
  std::size_t background_threads = 32;
  std::size_t background_queue = 1024;
};

class Engine {
 public:
  // Loads and validates `config_path` fully. nullptr with every error in `diagnostics`.
  static std::unique_ptr<Engine> create(const std::string& config_path, config::Diagnostics& diagnostics,
                                        EngineOptions options = {});
  ~Engine();

  void start();  // listens on server.listen
  std::uint16_t port() const { return server_->port(); }
  // SIGTERM: stop accepting, finish requests in flight (up to server.drain_timeout).
  bool drain();

  std::shared_ptr<const Generation> generation() const;
  logging::LogWriter& log() { return *log_; }

 private:
  explicit Engine(EngineOptions options);

  EngineOptions options_;
  std::unique_ptr<logging::LogWriter> log_;
  logging::ContextLogger logger_;
  exec::DeadlineTimer timer_;
  std::unique_ptr<exec::WorkerPool> step_pool_;
  std::unique_ptr<exec::WorkerPool> background_pool_;
  std::unique_ptr<downstream::PluginLoader> loader_;
  std::unique_ptr<downstream::EnginePluginServices> services_;
  std::unique_ptr<exec::Executor> executor_;
  mutable std::mutex generation_mutex_;
  std::shared_ptr<const Generation> generation_;
  std::unique_ptr<server::HttpServer> server_;
};

}  // namespace mosaic::runtime
