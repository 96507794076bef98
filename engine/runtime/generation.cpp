#include "runtime/generation.hpp"

#include <map>

#include "config/yaml_json.hpp"
#include "downstream/checked_text_downstream.hpp"
#include "pipeline/pipeline_compiler.hpp"
#include "resilience/resilient_downstream.hpp"

namespace mosaic::runtime {

namespace {

std::shared_ptr<const pipeline::DownstreamHandle> create_downstream(
    const config::DownstreamConfig& config, downstream::PluginLoader& loader,
    downstream::EnginePluginServices& engine_services, config::Diagnostics& diagnostics) {
  std::shared_ptr<Plugin> plugin;
  try {
    plugin = loader.load(config.plugin);
  } catch (const downstream::PluginLoadError& e) {
    diagnostics.error(config.plugin_where, e.what());
    return nullptr;
  }
  DownstreamSpec spec{config.name, config.config, config.timeout};
  // Keyed by the downstream's name, so an unchanged downstream keeps its pool across reloads.
  auto services_holder = engine_services.for_downstream(config.name);
  PluginServices& services = *services_holder;
  try {
    auto created = plugin->create_downstream(spec, services);
    if (!created) {
      diagnostics.error(config.where, "plugin '" + config.plugin + "' created no downstream for '" +
                                          config.name + "'");
      return nullptr;
    }
    auto handle = std::make_shared<pipeline::DownstreamHandle>();
    handle->name = config.name;
    handle->plugin = config.plugin;
    handle->timeout = config.timeout;
    // Breaker, bulkhead, retry and hedge around the plugin's downstream
    // (resilience/resilient_downstream.hpp), and, innermost, the check of the JSON text it returns.
    handle->downstream =
        resilience::make_resilient(std::make_shared<downstream::CheckedTextDownstream>(
                                       downstream::keep_library_alive(std::move(created), plugin)),
                                   config, &engine_services.logger(), &engine_services);
    handle->series = std::make_shared<metrics::DownstreamSeries>(config.name);
    return handle;
  } catch (const ConfigError& e) {
    YAML::Node at = config::node_at_path(config.config_node, e.path());
    config::SourceLocation where =
        config.config_node.IsDefined() ? config::SourceLocation::of(config.file, at) : config.where;
    const std::string key = e.path().empty() ? "config" : "config." + e.path();
    diagnostics.error(where, "downstreams." + config.name + "." + key + ": " + e.what());
  } catch (const std::exception& e) {
    diagnostics.error(config.where, "plugin '" + config.plugin + "' failed to create downstream '" +
                                        config.name + "': " + e.what());
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<const Generation> build_generation(config::EngineConfig config,
                                                   downstream::PluginLoader& loader,
                                                   downstream::EnginePluginServices& services,
                                                   config::Diagnostics& diagnostics,
                                                   std::uint64_t number) {
  auto generation = std::make_shared<Generation>();
  generation->number = number;
  std::map<std::string, std::shared_ptr<const pipeline::DownstreamHandle>> by_name;
  bool ok = true;
  for (const auto& ds : config.downstreams) {
    auto handle = create_downstream(ds, loader, services, diagnostics);
    if (!handle) {
      ok = false;
      continue;
    }
    by_name[ds.name] = handle;
    generation->downstreams.push_back(handle);
  }
  // With a broken downstream, pipelines calling it would only repeat the error as "unknown".
  auto lookup = [&](const std::string& name) -> std::shared_ptr<const pipeline::DownstreamHandle> {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  };
  std::vector<config::PipelineConfig> compilable;
  for (const auto& p : config.pipelines) {
    bool calls_broken = false;
    for (const auto& step : p.steps) {
      bool declared = false;
      for (const auto& ds : config.downstreams) declared = declared || ds.name == step.call.name;
      if (declared && !by_name.count(step.call.name)) calls_broken = true;
    }
    if (!calls_broken) compilable.push_back(p);
  }
  generation->pipelines = pipeline::compile_pipelines(compilable, lookup, diagnostics);
  if (!ok || !diagnostics.ok()) return nullptr;
  for (const auto& p : generation->pipelines)
    generation->router.add(p->method, p->pattern, p.get());
  generation->config = std::move(config);
  return generation;
}

}  // namespace mosaic::runtime
