#pragma once
// Turns checked pipeline files into CompiledPipelines: resolves downstreams and step references,
// compiles templates with each downstream's encodings, orders the DAG and refuses cycles,
// dependencies on background steps, and endpoints declared twice. Every error has file:line:col.
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "config/engine_config.hpp"
#include "pipeline/compiled_pipeline.hpp"

namespace mosaic::pipeline {

using DownstreamLookup =
    std::function<std::shared_ptr<const DownstreamHandle>(const std::string& name)>;

std::optional<CompiledPipeline> compile_pipeline(const config::PipelineConfig& config,
                                                 const DownstreamLookup& downstreams,
                                                 config::Diagnostics& diagnostics);

// Compiles all and checks that no two share a method and path shape.
std::vector<std::shared_ptr<const CompiledPipeline>> compile_pipelines(
    const std::vector<config::PipelineConfig>& configs, const DownstreamLookup& downstreams,
    config::Diagnostics& diagnostics);

}  // namespace mosaic::pipeline
