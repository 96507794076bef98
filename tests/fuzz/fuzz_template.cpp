// Template text -> compiler -> render over a fixed scope. Input: the first byte picks the
// interpolation (bits 0-1: json / path segment / header value / query value) and what the rest
// is (bit 2: one template string for compile_string, or a YAML tree for compile).
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "template/value_template.hpp"

using namespace mosaic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::vector<std::string> params{"7", "../admin?x=1", "a\r\nb"};
  static const std::vector<std::string> param_names{"id", "evil", "crlf"};
  static const tmpl::StringPairs query{{"q", "x%2F"}, {"note", "a\nb"}};
  static const tmpl::StringPairs headers{{"x-user", "ada"}};
  static const Json body = json::parse(R"({"a":[1,{"b":"c"}],"s":"text"})");
  static const Json step0 = json::parse(R"({"segment":"gold","items":[{"id":1}]})");
  static const std::vector<const Json*> steps{&step0, nullptr};
  const int mode = data[0] % 4;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  tmpl::CompileEnv env;
  env.file = "fuzz.yaml";
  env.param_names = param_names;
  env.step_index = [](std::string_view name) -> tmpl::CompileEnv::StepLookup {
    if (name == "profile") return {0, {}};
    if (name == "orders") return {1, {}};
    return {};
  };
  env.interpolation_for = [mode](std::span<const std::string>) {
    return mode == 0   ? Interpolation::kRaw
           : mode == 1 ? Interpolation::kPathSegment
           : mode == 2 ? Interpolation::kHeaderValue
                       : Interpolation::kQueryValue;
  };
  config::Diagnostics diagnostics;
  std::optional<tmpl::ValueTemplate> compiled;
  if ((data[0] & 4) == 0) {
    compiled = tmpl::ValueTemplate::compile_string(text, env, diagnostics);
  } else {
    YAML::Node tree;
    try {
      tree = YAML::Load(text);
    } catch (const YAML::Exception&) {  // not YAML: the config loader reports it
      return 0;
    }
    compiled = tmpl::ValueTemplate::compile(tree, env, diagnostics);
  }
  if (!compiled) return 0;
  tmpl::RenderScope scope{params, &query, &headers, &body, steps, {}};
  try {
    Json out = compiled->render(scope);
    (void)json::serialize(out);
  } catch (const tmpl::RenderError&) {  // refused input is a documented outcome
  }
  return 0;
}
