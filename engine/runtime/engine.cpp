#include "runtime/engine.hpp"

#include <stdexcept>

#include "cache/cache_factory.hpp"
#include "delivery/result_store.hpp"
#include "delivery/websocket_session.hpp"
#include "logging/writer_options.hpp"

namespace mosaic::runtime {

namespace {

metrics::Counter& reloads_counter() {
  return metrics::Registry::global().counter("mosaic_config_reloads_total",
                                             "Config reloads that took effect.");
}
metrics::Counter& reload_failures_counter() {
  return metrics::Registry::global().counter(
      "mosaic_config_reload_failures_total",
      "Config reloads refused (invalid config or a restart-only change).");
}
metrics::Gauge& generation_gauge() {
  return metrics::Registry::global().gauge(
      "mosaic_config_generation",
      "The config generation serving requests (1 at start, +1 per reload).");
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

Engine::Engine(EngineOptions options)
    : options_(std::move(options)),
      log_(std::make_unique<logging::LogWriter>(options_.log)),
      logger_(log_.get()),
      step_pool_(std::make_unique<exec::WorkerPool>(exec::WorkerPool::Options{
          "steps", options_.step_threads, options_.step_queue, std::chrono::seconds(30)})),
      background_pool_(std::make_unique<exec::WorkerPool>(
          exec::WorkerPool::Options{"background", options_.background_threads,
                                    options_.background_queue, std::chrono::seconds(30)})) {}

Engine::~Engine() {
  admin_.reset();
  server_.reset();
  for (std::size_t i = 0; i < gauges_.size(); ++i) {
    metrics::Registry::global().remove_gauge_callback(gauges_[i].first, gauges_[i].second,
                                                      gauge_ids_[i]);
  }
  // Background work may still hold the generation; the pools wait for it before the plugins go.
  background_pool_.reset();
  step_pool_.reset();
  executor_.reset();
  generation_.reset();
  cache_.reset();  // after the pools: refreshes in flight use it
}

std::unique_ptr<Engine> Engine::create(const std::string& config_path,
                                       config::Diagnostics& diagnostics, EngineOptions options) {
  auto config = config::load_engine_config(config_path, diagnostics);
  if (!config) return nullptr;
  options.log = logging::writer_options(config->logging, std::move(options.log));
  options.background_threads = static_cast<std::size_t>(config->deliver.threads);
  options.background_queue = static_cast<std::size_t>(config->deliver.queue);
  const config::OffloadConfig offload = config->offload;
  const config::MonitorConfig monitor = config->monitor;
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  engine->offload_ = std::make_unique<offload::OffloadPool>(offload::OffloadPool::Options{
      "offload", static_cast<std::size_t>(offload.threads), static_cast<std::size_t>(offload.queue),
      static_cast<std::size_t>(offload.threshold), offload.timeout, offload.nice});
  engine->lag_monitor_ = std::make_unique<health::LagMonitor>(
      health::LagMonitor::Options{monitor.tick, monitor.lag_warn, {}}, engine->log_.get());
  try {
    engine->cache_ = cache::make_swr_cache(config->cache, &engine->logger_);
  } catch (const std::exception& e) {
    diagnostics.error(config->cache.where, std::string("cache: ") + e.what());
    return nullptr;
  }
  engine->config_path_ = config_path;
  engine->results_ = std::make_unique<delivery::ResultStore>(
      delivery::StoreLimits{config->deliver.retain, config->deliver.max_requests,
                            static_cast<std::size_t>(config->deliver.max_bytes)});
  engine->websockets_ = std::make_unique<delivery::WebSocketHub>();
  engine->websockets_->store = engine->results_.get();
  engine->websockets_->limits = {config->deliver.ws_max_connections,
                                 config->deliver.ws_idle_timeout,
                                 static_cast<std::size_t>(config->deliver.ws_send_queue)};
  auto& registry = metrics::Registry::global();
  engine->websockets_->overflow_closed = &registry.counter(
      "mosaic_websocket_closed_total", "WebSocket connections closed by the engine, by cause.",
      {{"cause", "slow_client"}});
  engine->websockets_->idle_closed = &registry.counter(
      "mosaic_websocket_closed_total", "WebSocket connections closed by the engine, by cause.",
      {{"cause", "idle"}});
  engine->websockets_->refused = &registry.counter(
      "mosaic_websocket_closed_total", "WebSocket connections closed by the engine, by cause.",
      {{"cause", "over_limit"}});
  engine->loader_ = std::make_unique<downstream::PluginLoader>(config->plugin_paths);
  engine->services_ = std::make_unique<downstream::EnginePluginServices>(engine->logger_);
  if (config->server.tls.enabled()) {
    try {
      engine->listener_tls_ = std::make_shared<server::ListenerTls>(config->server.tls);
    } catch (const server::ListenerTlsError& e) {
      diagnostics.error({config_path, 0, 0}, e.what());
      return nullptr;
    }
  }
  auto generation =
      build_generation(std::move(*config), *engine->loader_, *engine->services_, diagnostics);
  if (!generation) return nullptr;
  engine->generation_ = std::move(generation);
  engine->plugins_ = engine->loader_->loaded();

  exec::Executor::Options executor;
  executor.step_pool = engine->step_pool_.get();
  executor.background_pool = engine->background_pool_.get();
  executor.timer = &engine->timer_;
  executor.log = engine->log_.get();
  executor.offload = engine->offload_.get();
  executor.cache = engine->cache_.get();
  executor.results = engine->results_.get();
  executor.client_ids = engine->generation_->config.deliver.client_ids;
  engine->executor_ = std::make_unique<exec::Executor>(std::move(executor));
  Engine* self = engine.get();
  engine->server_ = std::make_unique<server::HttpServer>(
      engine->generation_->config.server, [self] { return self->generation(); }, *engine->executor_,
      engine->log_.get(), engine->listener_tls_);
  engine->server_->serve_results(engine->results_.get(), engine->websockets_.get());
  admin::AdminHooks hooks;
  hooks.generation = [self] { return self->generation(); };
  hooks.reload = [self] { return self->reload(); };
  hooks.draining = [self] { return self->draining(); };
  hooks.plugins = [self] {
    std::lock_guard lock(self->generation_mutex_);
    return self->plugins_;
  };
  hooks.cache = [self]() -> std::pair<std::string, bool> {
    if (!self->cache_) return {};
    return {self->cache_->backend().backend(), self->cache_->backend().degraded()};
  };
  engine->admin_ =
      std::make_unique<admin::AdminServer>(engine->generation_->config.admin, std::move(hooks));
  engine->register_metrics();
  return engine;
}

void Engine::register_metrics() {
  auto& registry = metrics::Registry::global();
  auto add = [&](const std::string& name, const std::string& help, metrics::Labels labels,
                 std::function<double()> read) {
    gauge_ids_.push_back(registry.gauge_callback(name, help, labels, std::move(read)));
    gauges_.emplace_back(name, std::move(labels));
  };
  for (exec::WorkerPool* pool : {step_pool_.get(), background_pool_.get()}) {
    const std::string name = pool->options().name;
    const std::string help =
        "Threads of a worker pool (steps, background): in_use runs a task, idle waits for one.";
    add("mosaic_worker_pool_threads", help, {{"pool", name}, {"state", "in_use"}}, [pool] {
      auto s = pool->stats();
      return static_cast<double>(s.threads - s.idle);
    });
    add("mosaic_worker_pool_threads", help, {{"pool", name}, {"state", "idle"}},
        [pool] { return static_cast<double>(pool->stats().idle); });
    add("mosaic_worker_pool_queued", "Tasks waiting for a thread of a worker pool.",
        {{"pool", name}}, [pool] { return static_cast<double>(pool->stats().queued); });
    add("mosaic_worker_pool_max_threads", "The thread limit of a worker pool.", {{"pool", name}},
        [pool] { return static_cast<double>(pool->options().max_threads); });
  }
  reloads_counter();
  reload_failures_counter();
  generation_gauge().set(static_cast<std::int64_t>(generation_->number));
}

void Engine::start() {
  server_->start();
  const auto generation = this->generation();
  const config::AdminConfig& admin = generation->config.admin;
  try {
    admin_->start();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on admin.listen " + admin.listen.str() + ": " +
                             e.what());
  }
  if (!is_loopback(admin.listen.host) && admin.token.empty()) {
    logger_.warn(
        "the admin listener is not on loopback and has no admin.token_file: anyone who reaches it "
        "can "
        "read the config and reload it",
        {{"admin", admin.listen.str()}});
  }
}

bool Engine::drain() {
  draining_.store(true);
  const auto generation = this->generation();
  const bool served = server_->drain(generation->config.server.drain_timeout);
  // Background steps still running get their own bound: their results may be awaited.
  const bool background = background_pool_->wait_idle(std::chrono::steady_clock::now() +
                                                      generation->config.deliver.drain_timeout);
  return served && background;
}

ReloadResult Engine::reload() {
  std::lock_guard serial(reload_mutex_);
  const auto running = generation();
  ReloadResult result;
  result.generation = running->number;
  config::Diagnostics diagnostics;
  std::shared_ptr<const Generation> next;
  std::unique_ptr<downstream::PluginLoader> new_loader;
  std::optional<server::ListenerTls::Renewal> renewed_tls;
  if (auto config = config::load_engine_config(config_path_, diagnostics)) {
    check_restart_only_settings(running->config, *config, diagnostics);
    // The paths cannot change (above), but the files may have been renewed in place.
    if (diagnostics.ok() && listener_tls_) {
      try {
        renewed_tls = listener_tls_->prepare(config->server.tls);
      } catch (const server::ListenerTlsError& e) {
        diagnostics.error({config_path_, 0, 0}, e.what());
      }
    }
    if (diagnostics.ok()) {
      // The loader keeps plugins loaded by name; new search paths need a new loader (plugins the
      // running generation uses stay mapped through its downstreams).
      downstream::PluginLoader* loader = loader_.get();
      if (config->plugin_paths != loader_->directories()) {
        new_loader = std::make_unique<downstream::PluginLoader>(config->plugin_paths);
        loader = new_loader.get();
      }
      next = build_generation(std::move(*config), *loader, *services_, diagnostics,
                              running->number + 1);
    }
  }
  if (!next) {
    if (diagnostics.ok()) diagnostics.error({config_path_, 0, 0}, "the config could not be built");
    reload_failures_counter().inc();
    result.errors = diagnostics.items();
    for (const auto& d : result.errors) {
      logger_.error("config reload: " + d.str(), {{"where", d.where.str()}, {"error", d.message}});
    }
    logger_.error("config reload refused; the running config stays",
                  {{"file", config_path_},
                   {"errors", result.errors.size()},
                   {"generation", running->number}});
    return result;
  }
  {
    std::lock_guard lock(generation_mutex_);
    if (new_loader) loader_.swap(new_loader);
    generation_ = next;
    plugins_ = loader_->loaded();
  }
  if (renewed_tls) {
    listener_tls_->renew(std::move(*renewed_tls));
    logger_.info("listener certificate renewed", {{"cert_file", next->config.server.tls.cert_file},
                                                  {"key_file", next->config.server.tls.key_file}});
  }
  reloads_counter().inc();
  generation_gauge().set(static_cast<std::int64_t>(next->number));
  logger_.info("config reloaded", {{"file", config_path_},
                                   {"generation", next->number},
                                   {"pipelines", next->pipelines.size()},
                                   {"downstreams", next->downstreams.size()}});
  result.ok = true;
  result.generation = next->number;
  return result;
}

std::shared_ptr<const Generation> Engine::generation() const {
  std::lock_guard lock(generation_mutex_);
  return generation_;
}

}  // namespace mosaic::runtime
