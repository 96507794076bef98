#include "admin/config_view.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace mosaic::admin {

namespace {

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

}  // namespace

bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 9> kWords = {
      "token", "secret", "password", "passwd", "key", "credential", "auth", "cookie", "private"};
  for (auto word : kWords) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

Json redact(const Json& value) {
  if (value.is_object()) {
    json::object out;
    for (const auto& kv : value.as_object()) {
      out[kv.key()] = is_secret_key(kv.key()) ? Json("***") : redact(kv.value());
    }
    return out;
  }
  if (value.is_array()) {
    json::array out;
    for (const auto& item : value.as_array()) out.push_back(redact(item));
    return out;
  }
  return value;
}

Json effective_config(const runtime::Generation& generation) {
  const config::EngineConfig& c = generation.config;
  json::object server{{"listen", c.server.listen.str()},
                      {"threads", c.server.threads},
                      {"queue", c.server.queue},
                      {"max_body", c.server.max_body},
                      {"header_timeout", ms(c.server.header_timeout)},
                      {"send_timeout", ms(c.server.send_timeout)},
                      {"keep_alive_timeout", ms(c.server.keep_alive_timeout)},
                      {"drain_timeout", ms(c.server.drain_timeout)}};
  json::object admin{{"listen", c.admin.listen.str()}};
  admin["token_file"] = c.admin.token_file.empty() ? Json(nullptr) : Json(c.admin.token_file);
  json::object downstreams;
  for (const auto& d : c.downstreams) {
    downstreams[d.name] = json::object{
        {"plugin", d.plugin}, {"timeout", ms(d.timeout)}, {"config", redact(d.config)}};
  }
  json::array pipelines;
  for (const auto& p : generation.pipelines) {
    pipelines.push_back(json::object{{"endpoint", p->endpoint()}, {"file", p->file}});
  }
  return json::object{{"file", c.file},
                      {"generation", generation.number},
                      {"server", std::move(server)},
                      {"admin", std::move(admin)},
                      {"plugins", json::object{{"paths", strings(c.plugin_paths)}}},
                      {"downstreams", std::move(downstreams)},
                      {"pipelines", std::move(pipelines)}};
}

Json pipeline_view(const pipeline::CompiledPipeline& p) {
  json::array steps;
  for (const auto& step : p.steps) {
    json::array after;
    for (std::size_t d : step.deps) after.emplace_back(p.steps[d].name);
    steps.push_back(
        json::object{{"name", step.name},
                     {"call", step.downstream ? step.downstream->name : std::string()},
                     {"plugin", step.downstream ? step.downstream->plugin : std::string()},
                     {"class", config::to_string(step.step_class)},
                     {"timeout_ms", step.timeout.count()},
                     {"after", std::move(after)}});
  }
  json::array stages;
  for (const auto& stage : p.stages) {
    json::array names;
    for (std::size_t i : stage) names.emplace_back(p.steps[i].name);
    stages.push_back(std::move(names));
  }
  return json::object{{"endpoint", p.endpoint()},
                      {"method", p.method},
                      {"path", p.path},
                      {"file", p.file},
                      {"deadline_ms", p.deadline.count()},
                      {"steps", std::move(steps)},
                      {"stages", std::move(stages)}};
}

Json pipelines_view(const runtime::Generation& generation) {
  json::array pipelines;
  for (const auto& p : generation.pipelines) pipelines.push_back(pipeline_view(*p));
  return json::object{{"generation", generation.number}, {"pipelines", std::move(pipelines)}};
}

}  // namespace mosaic::admin
