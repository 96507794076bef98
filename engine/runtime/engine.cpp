#include "runtime/engine.hpp"

namespace mosaic::runtime {

Engine::Engine(EngineOptions options)
    : options_(std::move(options)),
      log_(std::make_unique<logging::LogWriter>(options_.log)),
      logger_(log_.get()),
      step_pool_(std::make_unique<exec::WorkerPool>(
          exec::WorkerPool::Options{"steps", options_.step_threads, options_.step_queue, std::chrono::seconds(30)})),
      background_pool_(std::make_unique<exec::WorkerPool>(exec::WorkerPool::Options{
          "background", options_.background_threads, options_.background_queue, std::chrono::seconds(30)})) {}

Engine::~Engine() {
  server_.reset();
  // Background work may still hold the generation; the pools wait for it before the plugins go.
  background_pool_.reset();
  step_pool_.reset();
  executor_.reset();
  generation_.reset();
}

std::unique_ptr<Engine> Engine::create(const std::string& config_path, config::Diagnostics& diagnostics,
                                       EngineOptions options) {
  auto config = config::load_engine_config(config_path, diagnostics);
  if (!config) return nullptr;
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  engine->loader_ = std::make_unique<downstream::PluginLoader>(config->plugin_paths);
  engine->services_ = std::make_unique<downstream::EnginePluginServices>(engine->logger_);
  auto generation = build_generation(std::move(*config), *engine->loader_, *engine->services_, diagnostics);
  if (!generation) return nullptr;
  engine->generation_ = std::move(generation);

  exec::Executor::Options executor;
  executor.step_pool = engine->step_pool_.get();
  executor.background_pool = engine->background_pool_.get();
  executor.timer = &engine->timer_;
  executor.log = engine->log_.get();
  engine->executor_ = std::make_unique<exec::Executor>(std::move(executor));
  Engine* self = engine.get();
  engine->server_ = std::make_unique<server::HttpServer>(
      engine->generation_->config.server, [self] { return self->generation(); }, *engine->executor_,
      engine->log_.get());
  return engine;
}

void Engine::start() { server_->start(); }

bool Engine::drain() { return server_->drain(generation()->config.server.drain_timeout); }

std::shared_ptr<const Generation> Engine::generation() const {
  std::lock_guard lock(generation_mutex_);
  return generation_;
}

}  // namespace mosaic::runtime
