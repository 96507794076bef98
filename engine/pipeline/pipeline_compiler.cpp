#include "pipeline/pipeline_compiler.hpp"

#include <algorithm>
#include <map>

namespace mosaic::pipeline {

namespace {

using config::Diagnostics;
using config::SourceLocation;

std::optional<std::size_t> find_step(const config::PipelineConfig& config, std::string_view name) {
  for (std::size_t i = 0; i < config.steps.size(); ++i) {
    if (config.steps[i].name == name) return i;
  }
  return std::nullopt;
}

// Compiles one step's `with:` against its downstream's accepted keys and encodings.
std::optional<tmpl::ValueTemplate> compile_input(const config::PipelineConfig& config,
                                                 std::size_t index,
                                                 const DownstreamHandle& downstream,
                                                 const routing::RoutePattern& pattern,
                                                 Diagnostics& diagnostics) {
  const auto& step = config.steps[index];
  const auto accepted = downstream.downstream->accepted_with_keys();
  if (!accepted.empty() && step.with.IsDefined() && !step.with.IsNull()) {
    if (!step.with.IsMap()) {
      diagnostics.error(SourceLocation::of(config.file, step.with), "'with' must be a mapping");
      return std::nullopt;
    }
    bool ok = true;
    for (const auto& kv : step.with) {
      if (std::find(accepted.begin(), accepted.end(), kv.first.Scalar()) == accepted.end()) {
        std::string expected;
        for (const auto& key : accepted) expected += (expected.empty() ? "" : ", ") + key;
        diagnostics.error(SourceLocation::of(config.file, kv.first),
                          "unknown key '" + kv.first.Scalar() + "' in with (downstream '" +
                              downstream.name + "' accepts: " + expected + ")");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
  }
  tmpl::CompileEnv env;
  env.file = config.file;
  env.source = config.source;
  env.param_names = pattern.param_names;
  env.step_index = [&](std::string_view name) -> tmpl::CompileEnv::StepLookup {
    auto found = find_step(config, name);
    if (!found) return {};
    if (*found == index) return {std::nullopt, "step '" + step.name + "' refers to itself"};
    if (config.steps[*found].step_class == StepClass::kBackground) {
      return {std::nullopt, "step '" + step.name + "' depends on background step '" +
                                std::string(name) + "': background results are never waited for"};
    }
    return {found, {}};
  };
  auto handle = downstream.downstream;
  env.interpolation_for = [handle](std::span<const std::string> path) {
    return handle->interpolation_for(path);
  };
  return tmpl::ValueTemplate::compile(step.with, env, diagnostics);
}

// Compiles a step's `cache.key`: like `with:`, it may read params, query, headers, body and
// other steps (which then become dependencies); no encoding applies, the key is never sent.
std::optional<tmpl::ValueTemplate> compile_cache_key(const config::PipelineConfig& config,
                                                     std::size_t index,
                                                     const routing::RoutePattern& pattern,
                                                     Diagnostics& diagnostics) {
  const auto& step = config.steps[index];
  tmpl::CompileEnv env;
  env.file = config.file;
  env.param_names = pattern.param_names;
  env.step_index = [&](std::string_view name) -> tmpl::CompileEnv::StepLookup {
    auto found = find_step(config, name);
    if (!found) return {};
    if (*found == index)
      return {std::nullopt, "the cache key of step '" + step.name + "' refers to the step itself"};
    if (config.steps[*found].step_class == StepClass::kBackground) {
      return {std::nullopt, "the cache key of step '" + step.name +
                                "' depends on background step '" + std::string(name) +
                                "': background results are never waited for"};
    }
    return {found, {}};
  };
  env.interpolation_for = [](std::span<const std::string>) { return Interpolation::kRaw; };
  return tmpl::ValueTemplate::compile(step.cache->key, env, diagnostics);
}

// Kahn's algorithm by levels; on a cycle, names one.
bool order_stages(CompiledPipeline& pipeline, const config::PipelineConfig& config,
                  Diagnostics& diagnostics) {
  const std::size_t n = pipeline.steps.size();
  std::vector<std::size_t> waiting(n);
  for (std::size_t i = 0; i < n; ++i) waiting[i] = pipeline.steps[i].deps.size();
  std::vector<std::size_t> current;
  for (std::size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) current.push_back(i);
  }
  std::size_t placed = 0;
  while (!current.empty()) {
    placed += current.size();
    std::vector<std::size_t> next;
    for (std::size_t i : current) {
      for (std::size_t d : pipeline.steps[i].dependents) {
        if (--waiting[d] == 0) next.push_back(d);
      }
    }
    std::sort(next.begin(), next.end());
    pipeline.stages.push_back(std::move(current));
    current = std::move(next);
  }
  if (placed == n) return true;
  // Walk dependencies among the unplaced steps until one repeats: that is a cycle.
  std::size_t start = 0;
  while (waiting[start] == 0) ++start;
  std::vector<std::size_t> path{start};
  std::vector<bool> seen(n, false);
  seen[start] = true;
  while (true) {
    std::size_t at = path.back();
    std::size_t next = n;
    for (std::size_t d : pipeline.steps[at].deps) {
      if (waiting[d] != 0) {
        next = d;
        break;
      }
    }
    if (seen[next]) {
      auto begin = std::find(path.begin(), path.end(), next);
      std::string cycle;
      for (auto it = begin; it != path.end(); ++it) cycle += pipeline.steps[*it].name + " -> ";
      cycle += pipeline.steps[next].name;
      diagnostics.error(config.steps[next].where, "dependency cycle: " + cycle);
      return false;
    }
    seen[next] = true;
    path.push_back(next);
  }
}

// Past this many places that read inside a step's result, it is parsed once instead of scanned
// at each place (template/json_span). A judgement, not a measurement: a few scans of a body cost
// less than building its tree, many do not.
constexpr std::size_t kMaxReadsOfText = 4;

// A result is kept as the downstream's JSON text, never parsed whole, unless templates read inside
// it at more than kMaxReadsOfText places: the response copies it (or the part a path names) from
// the text, and a `with:` or cache key parses only the part it reads.
void mark_results_kept_as_text(CompiledPipeline& pipeline) {
  std::vector<std::size_t> reads(pipeline.steps.size(), 0);
  auto count = [&](const std::vector<std::size_t>& places) {
    for (std::size_t d : places) ++reads[d];
  };
  for (const CompiledStep& step : pipeline.steps) {
    count(step.input.step_reads(false));
    if (step.cache) count(step.cache->key.step_reads(false));
  }
  if (pipeline.response) count(pipeline.response->step_reads(true));
  for (std::size_t i = 0; i < pipeline.steps.size(); ++i)
    pipeline.steps[i].keep_as_text = reads[i] <= kMaxReadsOfText;
}

}  // namespace

std::optional<CompiledPipeline> compile_pipeline(const config::PipelineConfig& config,
                                                 const DownstreamLookup& downstreams,
                                                 Diagnostics& diagnostics) {
  const std::size_t errors_before = diagnostics.items().size();
  CompiledPipeline out;
  out.file = config.file;
  out.method = config.method;
  out.path = config.path;
  out.deadline = config.deadline;
  auto pattern = routing::RoutePattern::parse(config.path);
  if (!pattern) {
    diagnostics.error(config.endpoint_where, "malformed endpoint path '" + config.path + "'");
    return std::nullopt;
  }
  out.pattern = std::move(*pattern);
  if (config.path == "/_mosaic" || config.path.rfind("/_mosaic/", 0) == 0) {
    diagnostics.error(config.endpoint_where,
                      "endpoints under /_mosaic/ are reserved for the engine (results, WebSocket)");
    return std::nullopt;
  }

  for (std::size_t i = 0; i < config.steps.size(); ++i) {
    const auto& step = config.steps[i];
    CompiledStep compiled;
    compiled.name = step.name;
    compiled.step_class = step.step_class;
    compiled.downstream = downstreams(step.call.name);
    if (!compiled.downstream) {
      diagnostics.error(step.call.where, "unknown downstream '" + step.call.name + "'");
      out.steps.push_back(std::move(compiled));
      continue;
    }
    compiled.timeout = step.timeout.value_or(compiled.downstream->timeout);
    auto input = compile_input(config, i, *compiled.downstream, out.pattern, diagnostics);
    if (input) {
      compiled.input = std::move(*input);
      compiled.deps = compiled.input.step_refs();
    }
    if (step.cache) {
      if (auto key = compile_cache_key(config, i, out.pattern, diagnostics)) {
        StepCache cache;
        cache.key = std::move(*key);
        cache.policy.ttl = step.cache->ttl;
        cache.policy.stale = step.cache->stale;
        cache.policy.lease = cache::CachePolicy::lease_for(compiled.timeout);
        cache.series = std::make_shared<cache::StepCacheSeries>(out.endpoint(), step.name);
        const auto& refs = cache.key.step_refs();
        compiled.deps.insert(compiled.deps.end(), refs.begin(), refs.end());
        compiled.cache = std::move(cache);
      }
    }
    for (const auto& after : step.after) {
      auto found = find_step(config, after.name);
      if (!found) {
        diagnostics.error(after.where, "unknown step '" + after.name + "' in after");
      } else if (*found == i) {
        diagnostics.error(after.where, "step '" + step.name + "' cannot run after itself");
      } else if (config.steps[*found].step_class == StepClass::kBackground) {
        diagnostics.error(after.where, "step '" + step.name + "' depends on background step '" +
                                           after.name +
                                           "': background results are never waited for");
      } else {
        compiled.deps.push_back(*found);
      }
    }
    std::sort(compiled.deps.begin(), compiled.deps.end());
    compiled.deps.erase(std::unique(compiled.deps.begin(), compiled.deps.end()),
                        compiled.deps.end());
    if (step.step_class != StepClass::kBackground) ++out.foreground_count;
    out.steps.push_back(std::move(compiled));
  }
  if (diagnostics.items().size() != errors_before) return std::nullopt;

  for (std::size_t i = 0; i < out.steps.size(); ++i) {
    for (std::size_t d : out.steps[i].deps) out.steps[d].dependents.push_back(i);
  }
  if (!order_stages(out, config, diagnostics)) return std::nullopt;

  if (config.response.IsDefined() && !config.response.IsNull()) {
    if (!config.response.IsMap()) {
      diagnostics.error(SourceLocation::of(config.file, config.response),
                        "'response' must be a mapping (the engine adds _meta to it)");
      return std::nullopt;
    }
    tmpl::CompileEnv env;
    env.file = config.file;
    env.source = config.source;
    env.param_names = out.pattern.param_names;
    env.step_index = [&](std::string_view name) -> tmpl::CompileEnv::StepLookup {
      auto found = find_step(config, name);
      // A cached background step answers from the cache (null on a miss); others never can.
      if (found && config.steps[*found].step_class == StepClass::kBackground &&
          !config.steps[*found].cache) {
        return {std::nullopt, "the response cannot use background step '" + std::string(name) +
                                  "': its result arrives after the response (see _meta.pending)"};
      }
      return {found, {}};
    };
    auto response = tmpl::ValueTemplate::compile(config.response, env, diagnostics);
    if (!response) return std::nullopt;
    for (const auto& kv : config.response) {
      if (kv.first.Scalar() == "_meta") {
        diagnostics.error(SourceLocation::of(config.file, kv.first),
                          "'_meta' is reserved for the engine");
        return std::nullopt;
      }
    }
    out.response = std::move(*response);
  }
  mark_results_kept_as_text(out);
  return out;
}

std::vector<std::shared_ptr<const CompiledPipeline>> compile_pipelines(
    const std::vector<config::PipelineConfig>& configs, const DownstreamLookup& downstreams,
    Diagnostics& diagnostics) {
  std::vector<std::shared_ptr<const CompiledPipeline>> out;
  std::map<std::string, const config::PipelineConfig*> endpoints;
  for (const auto& config : configs) {
    auto compiled = compile_pipeline(config, downstreams, diagnostics);
    if (!compiled) continue;
    std::string key = compiled->method + " " + compiled->pattern.shape();
    auto [it, inserted] = endpoints.emplace(key, &config);
    if (!inserted) {
      diagnostics.error(config.endpoint_where, "duplicate endpoint '" + compiled->endpoint() +
                                                   "', already declared at " +
                                                   it->second->endpoint_where.str());
      continue;
    }
    compiled->series = std::make_shared<metrics::PipelineSeries>(compiled->endpoint());
    out.push_back(std::make_shared<const CompiledPipeline>(std::move(*compiled)));
  }
  return out;
}

}  // namespace mosaic::pipeline
