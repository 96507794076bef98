// mosaicctl: the operator's tool. `validate` checks a mosaic.yaml and every pipeline it names,
// loading the plugins so that each downstream's own config is checked too.
#include <iostream>
#include <string>

#include "config/engine_config.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "logging/context_logger.hpp"
#include "runtime/generation.hpp"

namespace {

int usage(std::ostream& out, int code) {
  out << "usage: mosaicctl <command> [args]\n"
         "commands:\n"
         "  validate <mosaic.yaml>   check the config, its pipelines and its plugins' settings;\n"
         "                           prints every error as file:line:col: message; exit 1 on any\n";
  return code;
}

int validate(const std::string& path) {
  mosaic::config::Diagnostics diagnostics;
  auto config = mosaic::config::load_engine_config(path, diagnostics);
  std::shared_ptr<const mosaic::runtime::Generation> generation;
  if (config) {
    mosaic::logging::ContextLogger quiet;  // plugins may log while they read their config
    mosaic::downstream::PluginLoader loader(config->plugin_paths);
    mosaic::downstream::EnginePluginServices services(quiet);
    generation = mosaic::runtime::build_generation(std::move(*config), loader, services, diagnostics);
  }
  if (!generation) {
    std::cerr << diagnostics.str();
    std::cerr << path << ": invalid (" << diagnostics.items().size() << " error"
              << (diagnostics.items().size() == 1 ? "" : "s") << ")\n";
    return 1;
  }
  std::cout << path << ": ok (" << generation->downstreams.size() << " downstreams, " << generation->pipelines.size()
            << " pipelines)\n";
  for (const auto& p : generation->pipelines) std::cout << "  " << p->endpoint() << "  " << p->file << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(std::cerr, 2);
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") return usage(std::cout, 0);
  if (command == "validate") {
    if (argc != 3) {
      std::cerr << "usage: mosaicctl validate <mosaic.yaml>\n";
      return 2;
    }
    return validate(argv[2]);
  }
  std::cerr << "mosaicctl: unknown command '" << command << "'\n";
  return usage(std::cerr, 2);
}
