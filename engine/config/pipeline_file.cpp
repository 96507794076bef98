// load_pipeline_file: one pipeline file checked for shape. Cross-file checks (does `call` name a
// downstream, do `after` names exist, cycles) are the pipeline compiler's job.
#include <exception>

#include "config/config_values.hpp"
#include "config/endpoint.hpp"
#include "config/engine_config.hpp"
#include "config/map_reader.hpp"
#include "config/yaml_file.hpp"

namespace mosaic::config {

namespace {

using namespace std::chrono_literals;

// Ten minutes: past that a "deadline" is a typo for a background job, not a request budget.
const DurationBounds kRequestBounds{false, std::chrono::milliseconds(10min)};

const std::vector<std::string_view> kPipelineKeys = {"endpoint", "deadline", "steps", "response"};
const std::vector<std::string_view> kStepKeys = {"call",  "class", "timeout",
                                                 "after", "with",  "cache"};

std::optional<StepClass> parse_class(const std::string& text) {
  if (text == "critical") return StepClass::kCritical;
  if (text == "degradable") return StepClass::kDegradable;
  if (text == "background") return StepClass::kBackground;
  return std::nullopt;
}

void read_endpoint(const std::string& file, const MapEntry& entry, PipelineConfig& pipeline,
                   Diagnostics& diagnostics) {
  pipeline.endpoint_where = value_where(file, entry);
  auto text = read_string(file, entry, diagnostics);
  if (!text) return;
  EndpointSpec spec = parse_endpoint(*text);
  if (!spec.error.empty()) {
    diagnostics.error(pipeline.endpoint_where, "bad endpoint '" + *text + "': " + spec.error);
    return;
  }
  pipeline.method = spec.method;
  pipeline.path = spec.path;
}

void read_after(const std::string& file, const MapEntry& entry, StepConfig& step,
                Diagnostics& diagnostics) {
  auto names = read_string_list(file, entry, diagnostics);
  if (!names) return;
  for (auto& name : *names) {
    if (!is_name(name.name)) {
      diagnostics.error(name.where, "bad step name '" + name.name + "' in after");
      continue;
    }
    step.after.push_back(std::move(name));
  }
}

void read_step(const std::string& file, const MapEntry& step_entry, PipelineConfig& pipeline,
               Diagnostics& diagnostics) {
  StepConfig step;
  step.name = step_entry.key;
  step.where = key_where(file, step_entry);
  if (!is_name(step.name)) {
    diagnostics.error(
        step.where, "bad step name '" + step.name +
                        "' (expected letters, digits, '_' or '-', starting with a letter or '_')");
  }
  const std::string context = "step '" + step.name + "'";
  auto entries = read_map(file, step_entry.value, context, kStepKeys, diagnostics);
  for (const auto& entry : entries) {
    if (entry.key == "call") {
      step.call.where = value_where(file, entry);
      if (auto name = read_name(file, entry, diagnostics)) step.call.name = *name;
    } else if (entry.key == "class") {
      auto text = read_string(file, entry, diagnostics);
      auto step_class = text ? parse_class(*text) : std::nullopt;
      if (step_class) {
        step.step_class = *step_class;
      } else if (text) {
        diagnostics.error(
            value_where(file, entry),
            "bad class '" + *text + "' (expected one of: critical, degradable, background)");
      }
    } else if (entry.key == "timeout") {
      step.timeout = read_duration(file, entry, kRequestBounds, diagnostics);
    } else if (entry.key == "after") {
      read_after(file, entry, step, diagnostics);
    } else if (entry.key == "with") {
      step.with.reset(entry.value);  // reset, not =: assigning a Node writes into its tree
    } else if (entry.key == "cache") {
      read_step_cache(file, entry, step.cache, diagnostics);
    }
  }
  // A scalar step was already reported by read_map as "expected a mapping".
  bool mapping = step_entry.value.IsMap() || step_entry.value.IsNull();
  if (mapping && !find_entry(entries, "call")) {
    diagnostics.error(step.where, "missing required key 'call' in " + context);
  }
  pipeline.steps.push_back(std::move(step));
}

void read_steps(const std::string& file, const MapEntry& entry, PipelineConfig& pipeline,
                Diagnostics& diagnostics) {
  auto steps = read_open_map(file, entry.value, "steps", diagnostics);
  if (steps.empty() && (entry.value.IsNull() || entry.value.IsMap())) {
    diagnostics.error(value_where(file, entry), "a pipeline needs at least one step");
  }
  for (const auto& step : steps) read_step(file, step, pipeline, diagnostics);
}

void read_pipeline(const std::string& file, const YAML::Node& root, PipelineConfig& pipeline,
                   Diagnostics& diagnostics) {
  auto entries = read_map(file, root, "the pipeline file", kPipelineKeys, diagnostics);
  for (const auto& entry : entries) {
    if (entry.key == "endpoint") {
      read_endpoint(file, entry, pipeline, diagnostics);
    } else if (entry.key == "deadline") {
      if (auto deadline = read_duration(file, entry, kRequestBounds, diagnostics)) {
        pipeline.deadline = *deadline;
      }
    } else if (entry.key == "steps") {
      read_steps(file, entry, pipeline, diagnostics);
    } else if (entry.key == "response") {
      pipeline.response.reset(entry.value);
    }
  }
  // Only when the file is a mapping: otherwise read_map already said what is wrong.
  if (!root.IsMap() && !root.IsNull()) return;
  SourceLocation top = root.IsNull() ? SourceLocation{file, 0, 0} : SourceLocation::of(file, root);
  if (!find_entry(entries, "endpoint")) {
    diagnostics.error(top, "missing required key 'endpoint' in the pipeline file");
  }
  if (!find_entry(entries, "steps")) {
    diagnostics.error(top, "missing required key 'steps' in the pipeline file");
  }
}

}  // namespace

const char* to_string(StepClass c) {
  switch (c) {
    case StepClass::kCritical:
      return "critical";
    case StepClass::kDegradable:
      return "degradable";
    case StepClass::kBackground:
      return "background";
  }
  return "unknown";
}

std::optional<PipelineConfig> load_pipeline_file(const std::string& path,
                                                 Diagnostics& diagnostics) {
  Diagnostics found;
  PipelineConfig pipeline;
  pipeline.file = path;
  try {
    auto root = load_yaml_file(path, found, &pipeline.source);
    if (root) read_pipeline(path, *root, pipeline, found);
  } catch (const std::exception& e) {
    // The readers do not throw on bad input; this guards the "never throws" promise anyway.
    found.error({path, 0, 0}, std::string("internal error while reading: ") + e.what());
  }
  diagnostics.append(sorted_by_position(found, path));
  if (!found.ok()) return std::nullopt;
  return pipeline;
}

}  // namespace mosaic::config
