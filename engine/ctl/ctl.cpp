#include "ctl/ctl.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "admin/config_view.hpp"
#include "config/engine_config.hpp"
#include "config/yaml_file.hpp"
#include "ctl/watch.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "logging/context_logger.hpp"
#include "mosaic/json_text.hpp"
#include "runtime/generation.hpp"

namespace mosaic::ctl {

namespace {

constexpr int kOk = 0;
constexpr int kInvalid = 1;
constexpr int kUsage = 2;

const char* const kMainHelp =
    "usage: mosaicctl <command> [options] [args]\n"
    "\n"
    "Checks and explains Mosaic configs before they ship. Every command reads the engine config\n"
    "(mosaic.yaml), every pipeline file it names and, for downstreams, their plugins.\n"
    "\n"
    "commands:\n"
    "  validate FILE...             check configs and pipeline files; every error as "
    "file:line:col\n"
    "  routes [-c FILE]             list the endpoints and the pipeline file serving each\n"
    "  explain [-c FILE] METHOD PATH\n"
    "                               show how a request runs: its pipeline's steps stage by stage\n"
    "  watch [--url URL] ID...      print a request's background results as they arrive\n"
    "  help [COMMAND]               this text, or a command's\n"
    "\n"
    "common options:\n"
    "  -c, --config FILE     the engine config (default /etc/mosaic/mosaic.yaml)\n"
    "  --format human|json   output format (default human)\n"
    "  --plugin-dir DIR      search DIR for plugins before the config's plugins.paths "
    "(repeatable)\n"
    "  -h, --help            help for the command\n"
    "\n"
    "exit codes: 0 ok, 1 invalid config or no such endpoint, 2 usage error.\n"
    "See docs/mosaicctl.md.\n";

const char* const kValidateHelp =
    "usage: mosaicctl validate [--format human|json] [--plugin-dir DIR]... [-c ENGINE] FILE...\n"
    "\n"
    "Checks each FILE. An engine config (mosaic.yaml) is checked whole: its shape, every pipeline\n"
    "file its globs match, and each downstream's config as its plugin reads it (plugins are\n"
    "loaded). A pipeline file (one with an `endpoint:` key) is checked for shape; with -c ENGINE,\n"
    "it is also compiled against that config's downstreams, as if the config served it.\n"
    "\n"
    "Errors go to stderr (human) as file:line:col: message. With --format json, one JSON object\n"
    "goes to stdout: "
    "{\"valid\":bool,\"files\":[{\"file\",\"kind\",\"valid\",\"errors\":[{file,line,\n"
    "col,message}],...}]}.\n"
    "\n"
    "exit codes: 0 every file is valid, 1 some file is not, 2 usage error.\n";

const char* const kRoutesHelp =
    "usage: mosaicctl routes [--format human|json] [--plugin-dir DIR]... [-c FILE | FILE]\n"
    "\n"
    "Lists the endpoints of a valid config: method, path template, deadline, step count and the\n"
    "pipeline file. With --format json: "
    "{\"routes\":[{endpoint,method,path,deadline_ms,steps,file}]}.\n"
    "\n"
    "exit codes: 0 listed, 1 invalid config (errors as for validate), 2 usage error.\n";

const char* const kExplainHelp =
    "usage: mosaicctl explain [--format human|json] [--plugin-dir DIR]... [-c FILE] METHOD PATH\n"
    "\n"
    "Routes METHOD PATH (a concrete path such as /home/42, or the template /home/{userId}) as the\n"
    "server would, then prints the pipeline: its path parameters, deadline, and its steps stage "
    "by\n"
    "stage. Steps of one stage start together (in parallel); a step of a later stage waits for "
    "the\n"
    "steps named in its `after`. Each step shows its class (critical, degradable, background), "
    "its\n"
    "downstream and plugin, and its timeout (the step's, else the downstream's; always capped by\n"
    "the deadline left).\n"
    "\n"
    "exit codes: 0 explained, 1 invalid config or no endpoint matches, 2 usage error.\n";

struct Options {
  std::string format = "human";
  std::string config;
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> positional;
  bool help = false;
};

// Parses the options shared by every command. nullopt after printing a usage error.
std::optional<Options> parse(const std::vector<std::string>& args, std::ostream& err,
                             const char* help) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
      if (i + 1 >= args.size()) {
        err << "mosaicctl: " << name << " needs a value\n" << help;
        return std::nullopt;
      }
      return args[++i];
    };
    auto is = [&](const std::string& name) { return a == name || a.rfind(name + "=", 0) == 0; };
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (is("--format")) {
      auto v = value("--format");
      if (!v) return std::nullopt;
      if (*v != "human" && *v != "json") {
        err << "mosaicctl: --format must be human or json, not '" << *v << "'\n";
        return std::nullopt;
      }
      o.format = *v;
    } else if (a == "-c" || is("--config")) {
      auto v = value(a == "-c" ? "-c" : "--config");
      if (!v) return std::nullopt;
      o.config = *v;
    } else if (is("--plugin-dir")) {
      auto v = value("--plugin-dir");
      if (!v) return std::nullopt;
      o.plugin_dirs.push_back(*v);
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      err << "mosaicctl: unknown option '" << a << "'\n" << help;
      return std::nullopt;
    } else {
      o.positional.push_back(a);
    }
  }
  return o;
}

json::array errors_json(const std::vector<config::Diagnostic>& items) {
  json::array out;
  for (const auto& d : items) {
    out.push_back(json::object{{"file", d.where.file},
                               {"line", d.where.line},
                               {"col", d.where.col},
                               {"message", d.message}});
  }
  return out;
}

// A loaded, compiled config and what it took to build it (the plugins must outlive it).
struct Loaded {
  std::unique_ptr<logging::ContextLogger> quiet = std::make_unique<logging::ContextLogger>();
  std::unique_ptr<downstream::PluginLoader> loader;
  std::unique_ptr<downstream::EnginePluginServices> services;
  std::shared_ptr<const runtime::Generation> generation;
  config::Diagnostics diagnostics;
};

// Loads `path`; `extra_pipeline` (a pipeline file) is added to its pipelines unless it already
// serves it.
std::unique_ptr<Loaded> load(const std::string& path, const std::vector<std::string>& plugin_dirs,
                             const std::string& extra_pipeline = {}) {
  auto out = std::make_unique<Loaded>();
  auto config = config::load_engine_config(path, out->diagnostics);
  if (!config) return out;
  if (!extra_pipeline.empty()) {
    const auto wanted = std::filesystem::weakly_canonical(extra_pipeline);
    bool served = false;
    for (const auto& p : config->pipelines)
      served = served || std::filesystem::weakly_canonical(p.file) == wanted;
    if (!served) {
      auto pipeline = config::load_pipeline_file(extra_pipeline, out->diagnostics);
      if (!pipeline) return out;
      config->pipelines.push_back(std::move(*pipeline));
    }
  }
  std::vector<std::string> dirs = plugin_dirs;
  dirs.insert(dirs.end(), config->plugin_paths.begin(), config->plugin_paths.end());
  out->loader = std::make_unique<downstream::PluginLoader>(dirs);
  out->services = std::make_unique<downstream::EnginePluginServices>(*out->quiet);
  out->generation =
      runtime::build_generation(std::move(*config), *out->loader, *out->services, out->diagnostics);
  return out;
}

// A pipeline file is a mapping with an `endpoint:` key; anything else is read as an engine config.
bool is_pipeline_file(const std::string& path) {
  config::Diagnostics ignored;
  auto root = config::load_yaml_file(path, ignored);
  return root && root->IsMap() && root->operator[]("endpoint").IsDefined();
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

int validate(const Options& o, std::ostream& out, std::ostream& err) {
  if (o.positional.empty()) {
    err << "mosaicctl validate: name at least one file\n" << kValidateHelp;
    return kUsage;
  }
  bool all_valid = true;
  json::array files;
  for (const auto& file : o.positional) {
    json::object report{{"file", file}};
    std::vector<config::Diagnostic> errors;
    std::string summary;
    if (is_pipeline_file(file)) {
      report["kind"] = "pipeline";
      if (o.config.empty()) {
        config::Diagnostics diagnostics;
        auto pipeline = config::load_pipeline_file(file, diagnostics);
        errors = diagnostics.items();
        if (pipeline) {
          report["endpoint"] = pipeline->method + " " + pipeline->path;
          summary = "ok (" + pipeline->method + " " + pipeline->path + ", " +
                    plural(pipeline->steps.size(), "step") +
                    "; shape only: add -c mosaic.yaml to check it against the downstreams)";
        }
      } else {
        auto loaded = load(o.config, o.plugin_dirs, file);
        errors = loaded->diagnostics.items();
        if (loaded->generation) {
          const auto wanted = std::filesystem::weakly_canonical(file);
          for (const auto& p : loaded->generation->pipelines) {
            if (std::filesystem::weakly_canonical(p->file) != wanted) continue;
            report["endpoint"] = p->endpoint();
            summary = "ok (" + p->endpoint() + ", " + plural(p->steps.size(), "step") +
                      ", checked against " + o.config + ")";
          }
        }
      }
    } else {
      report["kind"] = "engine";
      auto loaded = load(file, o.plugin_dirs);
      errors = loaded->diagnostics.items();
      if (loaded->generation) {
        const auto& g = *loaded->generation;
        summary = "ok (" + std::to_string(g.downstreams.size()) + " downstreams, " +
                  std::to_string(g.pipelines.size()) + " pipelines)";
        json::array endpoints;
        for (const auto& p : g.pipelines) {
          summary += "\n  " + p->endpoint() + "  " + p->file;
          endpoints.push_back(json::object{{"endpoint", p->endpoint()}, {"file", p->file}});
        }
        report["downstreams"] = g.downstreams.size();
        report["pipelines"] = std::move(endpoints);
      }
    }
    const bool valid = errors.empty() && !summary.empty();
    if (errors.empty() && summary.empty()) {
      errors.push_back({{file, 0, 0}, "the file could not be checked"});
    }
    all_valid = all_valid && valid;
    report["valid"] = valid;
    report["errors"] = errors_json(errors);
    files.push_back(std::move(report));
    if (o.format == "human") {
      if (valid) {
        out << file << ": " << summary << "\n";
      } else {
        for (const auto& d : errors) err << d.str() << "\n";
        err << file << ": invalid (" << plural(errors.size(), "error") << ")\n";
      }
    }
  }
  if (o.format == "json")
    out << to_json_text(json::object{{"valid", all_valid}, {"files", std::move(files)}}) << "\n";
  return all_valid ? kOk : kInvalid;
}

// Loads the config for routes/explain, reporting errors as validate does. nullptr when invalid.
std::unique_ptr<Loaded> load_valid(const Options& o, const std::string& path, std::ostream& out,
                                   std::ostream& err) {
  auto loaded = load(path, o.plugin_dirs);
  if (loaded->generation) return loaded;
  if (o.format == "json") {
    out << to_json_text(
               json::object{{"valid", false}, {"errors", errors_json(loaded->diagnostics.items())}})
        << "\n";
  } else {
    err << loaded->diagnostics.str() << path << ": invalid ("
        << plural(loaded->diagnostics.items().size(), "error") << ")\n";
  }
  return nullptr;
}

int routes(const Options& o, std::ostream& out, std::ostream& err) {
  std::string path = o.config;
  if (o.positional.size() > 1 || (!path.empty() && !o.positional.empty())) {
    err << "mosaicctl routes: one config, either -c FILE or FILE\n" << kRoutesHelp;
    return kUsage;
  }
  if (path.empty()) path = o.positional.empty() ? kDefaultConfig : o.positional.front();
  auto loaded = load_valid(o, path, out, err);
  if (!loaded) return kInvalid;
  const auto& g = *loaded->generation;
  if (o.format == "json") {
    json::array routes;
    for (const auto& p : g.pipelines) {
      routes.push_back(json::object{{"endpoint", p->endpoint()},
                                    {"method", p->method},
                                    {"path", p->path},
                                    {"deadline_ms", p->deadline.count()},
                                    {"steps", p->steps.size()},
                                    {"file", p->file}});
    }
    out << to_json_text(json::object{{"routes", std::move(routes)}}) << "\n";
    return kOk;
  }
  std::size_t method_w = 6, path_w = 4;
  for (const auto& p : g.pipelines) {
    method_w = std::max(method_w, p->method.size());
    path_w = std::max(path_w, p->path.size());
  }
  out << std::left << std::setw(static_cast<int>(method_w) + 2) << "METHOD"
      << std::setw(static_cast<int>(path_w) + 2) << "PATH" << std::setw(10) << "DEADLINE"
      << std::setw(7) << "STEPS"
      << "FILE\n";
  for (const auto& p : g.pipelines) {
    out << std::left << std::setw(static_cast<int>(method_w) + 2) << p->method
        << std::setw(static_cast<int>(path_w) + 2) << p->path << std::setw(10)
        << (std::to_string(p->deadline.count()) + "ms") << std::setw(7) << p->steps.size()
        << p->file << "\n";
  }
  return kOk;
}

int explain(const Options& o, std::ostream& out, std::ostream& err) {
  if (o.positional.size() != 2) {
    err << "mosaicctl explain: expected METHOD PATH\n" << kExplainHelp;
    return kUsage;
  }
  const std::string& method = o.positional[0];
  const std::string& target = o.positional[1];
  const std::string path = o.config.empty() ? kDefaultConfig : o.config;
  auto loaded = load_valid(o, path, out, err);
  if (!loaded) return kInvalid;
  const auto& g = *loaded->generation;
  const std::string route_path = target.substr(0, target.find('?'));
  routing::RouteMatch match = g.router.match(method, route_path);
  if (match.status != routing::RouteMatch::Status::kFound) {
    std::string why = match.status == routing::RouteMatch::Status::kMethodNotAllowed
                          ? "the path is served for " + match.allowed + " only"
                          : "no endpoint matches this path";
    if (o.format == "json") {
      out << to_json_text(json::object{{"found", false}, {"error", why}}) << "\n";
    } else {
      err << "mosaicctl explain: " << method << " " << target << ": " << why << "\n";
    }
    return kInvalid;
  }
  const pipeline::CompiledPipeline& p = *match.pipeline;
  json::object params;
  for (std::size_t i = 0; i < match.params.size() && i < p.pattern.param_names.size(); ++i) {
    params[p.pattern.param_names[i]] = match.params[i];
  }
  if (o.format == "json") {
    Json view = admin::pipeline_view(p);
    view.as_object()["found"] = true;
    view.as_object()["params"] = std::move(params);
    out << to_json_text(view) << "\n";
    return kOk;
  }
  out << p.endpoint() << "  (" << p.file << ")\n";
  if (!params.empty()) {
    out << "params:";
    for (const auto& kv : params) out << " " << kv.key() << "=" << kv.value().as_string().c_str();
    out << "\n";
  }
  out << "deadline: " << p.deadline.count() << "ms for the whole request\n";
  for (std::size_t s = 0; s < p.stages.size(); ++s) {
    const auto& stage = p.stages[s];
    out << "stage " << (s + 1) << (stage.size() > 1 ? " (in parallel):" : ":") << "\n";
    for (std::size_t i : stage) {
      const auto& step = p.steps[i];
      out << "  " << std::left << std::setw(18) << step.name << std::setw(12)
          << config::to_string(step.step_class) << "call "
          << (step.downstream ? step.downstream->name : "?") << " ("
          << (step.downstream ? step.downstream->plugin : "?") << "), timeout "
          << step.timeout.count() << "ms";
      if (!step.deps.empty()) {
        out << ", after";
        for (std::size_t k = 0; k < step.deps.size(); ++k)
          out << (k ? ", " : " ") << p.steps[step.deps[k]].name;
      }
      if (step.step_class == config::StepClass::kBackground) out << "; never waited for";
      out << "\n";
    }
  }
  out << "a critical failure answers 502 (504 when the deadline ran out); a degradable one is null "
         "in the "
         "body and named in _meta.degraded\n";
  return kOk;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kMainHelp;
    return kUsage;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help") {
    out << kMainHelp;
    return kOk;
  }
  if (command == "help") {
    if (rest.empty()) {
      out << kMainHelp;
      return kOk;
    }
    const std::map<std::string, const char*> helps = {{"validate", kValidateHelp},
                                                      {"routes", kRoutesHelp},
                                                      {"explain", kExplainHelp},
                                                      {"watch", kWatchUsage}};
    auto it = helps.find(rest[0]);
    if (it == helps.end()) {
      err << "mosaicctl: unknown command '" << rest[0] << "'\n" << kMainHelp;
      return kUsage;
    }
    out << it->second;
    return kOk;
  }
  if (command == "watch") return watch(rest, out, err);  // talks to a server, not to a config
  using Command = int (*)(const Options&, std::ostream&, std::ostream&);
  const std::map<std::string, std::pair<Command, const char*>> commands = {
      {"validate", {validate, kValidateHelp}},
      {"routes", {routes, kRoutesHelp}},
      {"explain", {explain, kExplainHelp}}};
  auto it = commands.find(command);
  if (it == commands.end()) {
    err << "mosaicctl: unknown command '" << command << "'\n" << kMainHelp;
    return kUsage;
  }
  auto options = parse(rest, err, it->second.second);
  if (!options) return kUsage;
  if (options->help) {
    out << it->second.second;
    return kOk;
  }
  return it->second.first(*options, out, err);
}

}  // namespace mosaic::ctl
