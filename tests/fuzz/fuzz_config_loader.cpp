// YAML text -> the pipeline loader, the pipeline compiler (downstreams, step references, the DAG,
// templates compiled from YAML trees) and a render of everything compiled; and the engine-config
// loader on the same text. Files go through a private temp folder because the loaders read paths
// (every error carries file:line:col) and `pipelines:` globs resolve against the file's folder.
// Any input must end in a compiled pipeline or diagnostics, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/engine_config.hpp"
#include "mosaic/downstream.hpp"
#include "pipeline/pipeline_compiler.hpp"
#include "template/value_template.hpp"

using namespace mosaic;

namespace {

// Encodings like the http plugin's; never called.
class FakeDownstream final : public Downstream {
 public:
  explicit FakeDownstream(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  std::vector<std::string> accepted_with_keys() const override { return keys_; }
  Interpolation interpolation_for(std::span<const std::string> with_path) const override {
    if (with_path.size() == 1 && with_path[0] == "path") return Interpolation::kPathSegment;
    if (!with_path.empty() && with_path[0] == "headers") return Interpolation::kHeaderValue;
    if (!with_path.empty() && with_path[0] == "query") return Interpolation::kQueryValue;
    return Interpolation::kRaw;
  }
  CallResult call(const Json& input, CallContext&) override { return input; }

 private:
  std::vector<std::string> keys_;
};

std::shared_ptr<const pipeline::DownstreamHandle> handle(const std::string& name,
                                                         std::vector<std::string> keys) {
  auto h = std::make_shared<pipeline::DownstreamHandle>();
  h->name = name;
  h->plugin = "fake";
  h->downstream = std::make_shared<FakeDownstream>(std::move(keys));
  return h;
}

const std::string& input_path() {
  static const std::string path = [] {
    std::string folder =
        (std::filesystem::temp_directory_path() / "mosaic-fuzz-config-XXXXXX").string();
    if (::mkdtemp(folder.data()) == nullptr) std::abort();
    return folder + "/fuzz.yaml";
  }();
  return path;
}

void render_all(const pipeline::CompiledPipeline& compiled) {
  static const std::vector<std::string> kValues{"42", "../admin?x=1", "a\r\nb", "%2e%2e%2f"};
  std::vector<std::string> params;
  for (std::size_t i = 0; i < compiled.pattern.param_names.size(); ++i)
    params.push_back(kValues[i % kValues.size()]);
  static const tmpl::StringPairs query{{"q", "x"}, {"segment", "gold"}};
  static const tmpl::StringPairs headers{{"x-user", "ada"}};
  static const Json body = json::parse(R"({"a":[1,{"b":"c"}],"id":"7"})");
  static const Json step_value = json::parse(R"({"id":"7","items":[{"id":1}],"segment":"gold"})");
  std::vector<const Json*> steps(compiled.steps.size(), &step_value);
  const tmpl::RenderScope scope{params, &query, &headers, &body, steps, {}};
  const auto render = [&](const tmpl::ValueTemplate& t) {
    try {
      (void)json::serialize(t.render(scope));
    } catch (const tmpl::RenderError&) {  // refused input (bad_input) is a documented outcome
    }
  };
  for (const auto& step : compiled.steps) {
    render(step.input);
    if (step.cache) render(step.cache->key);
  }
  if (compiled.response) render(*compiled.response);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto users = handle("users", {"method", "path", "query", "headers", "body"});
  static const auto catalog = handle("catalog", {"path"});
  static const auto any = handle("any", {});
  const pipeline::DownstreamLookup lookup =
      [](const std::string& name) -> std::shared_ptr<const pipeline::DownstreamHandle> {
    if (name == "users") return users;
    if (name == "catalog") return catalog;
    if (name == "any") return any;
    return nullptr;
  };
  const std::string& path = input_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  config::Diagnostics pipeline_diagnostics;
  if (auto loaded = config::load_pipeline_file(path, pipeline_diagnostics)) {
    if (auto compiled = pipeline::compile_pipeline(*loaded, lookup, pipeline_diagnostics))
      render_all(*compiled);
  }
  config::Diagnostics engine_diagnostics;
  (void)config::load_engine_config(path, engine_diagnostics);
  return 0;
}
