#pragma once
// A pipeline as the executor sees it: immutable, indexes instead of names, templates compiled.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_policy.hpp"
#include "cache/cache_series.hpp"
#include "config/engine_config.hpp"
#include "metrics/series.hpp"
#include "mosaic/downstream.hpp"
#include "routing/route_pattern.hpp"
#include "template/value_template.hpp"

namespace mosaic::pipeline {

using config::StepClass;

// A configured downstream, created by its plugin. Shared by every pipeline that calls it.
struct DownstreamHandle {
  std::string name;
  std::string plugin;
  std::shared_ptr<Downstream> downstream;  // keeps its plugin library loaded
  std::chrono::milliseconds timeout{1000};
  std::shared_ptr<metrics::DownstreamSeries> series;  // step calls and their outcomes; may be null
};

// A step's `cache:`: the key template (rendered per request, like `with:`) and its lifetimes.
struct StepCache {
  tmpl::ValueTemplate key;
  cache::CachePolicy policy;
  std::shared_ptr<cache::StepCacheSeries> series;
};

struct CompiledStep {
  std::string name;
  StepClass step_class = StepClass::kCritical;
  std::shared_ptr<const DownstreamHandle> downstream;
  std::chrono::milliseconds timeout{1000};  // the step's, else the downstream's
  tmpl::ValueTemplate input;
  std::vector<std::size_t> deps;        // steps this one waits for (template refs and `after:`)
  std::vector<std::size_t> dependents;  // the reverse edges
  std::optional<StepCache> cache;       // `cache:`; its key's step references are in deps too
  // Its result stays JSON text (mosaic::JsonText) when the downstream gives it so: copied into
  // the answer, and read by templates from the text. False when templates read inside it at many
  // places: then it is parsed once, when the step completes.
  bool keep_as_text = false;
};

struct CompiledPipeline {
  std::string file;
  std::string method;
  std::string path;
  routing::RoutePattern pattern;
  std::chrono::milliseconds deadline{1500};
  std::vector<CompiledStep> steps;  // in file order; indexes are stable
  std::vector<std::vector<std::size_t>>
      stages;  // topological levels: steps of a stage run in parallel
  std::optional<tmpl::ValueTemplate> response;      // nullopt: every non-background result by name
  std::size_t foreground_count = 0;                 // critical + degradable
  std::shared_ptr<metrics::PipelineSeries> series;  // requests by status and latency

  std::string endpoint() const { return method + " " + path; }
};

}  // namespace mosaic::pipeline
