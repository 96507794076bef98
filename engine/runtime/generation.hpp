#pragma once
// One loaded configuration, complete and immutable: downstreams created by their plugins,
// pipelines compiled, routes built. A request takes a reference to the current generation when
// it starts and keeps it until its last step (background ones included) is done.
#include <cstdint>
#include <memory>
#include <vector>

#include "config/engine_config.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "mosaic/plugin.hpp"
#include "pipeline/compiled_pipeline.hpp"
#include "routing/router.hpp"

namespace mosaic::runtime {

struct Generation {
  std::uint64_t number = 0;
  config::EngineConfig config;
  std::vector<std::shared_ptr<const pipeline::DownstreamHandle>> downstreams;
  std::vector<std::shared_ptr<const pipeline::CompiledPipeline>> pipelines;
  routing::Router router;
};

// Loads plugins, creates downstreams (each plugin validating its own config) and compiles the
// pipelines. nullptr with every error in `diagnostics` when anything is wrong.
std::shared_ptr<const Generation> build_generation(config::EngineConfig config,
                                                   downstream::PluginLoader& loader,
                                                   downstream::EnginePluginServices& services,
                                                   config::Diagnostics& diagnostics,
                                                   std::uint64_t number = 1);

}  // namespace mosaic::runtime
