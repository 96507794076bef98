// mosaicd: serves the pipelines of one mosaic.yaml until SIGTERM/SIGINT, then drains.
#include <signal.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include "runtime/engine.hpp"
#include "support/malloc_arenas.hpp"
#include "support/memory_trimmer.hpp"

namespace {

int usage(std::ostream& out, int code) {
  out << "usage: mosaicd --config FILE\n"
         "  Serves the pipelines declared by FILE (mosaic.yaml). Refuses to start when the config\n"
         "  does not validate, printing every error as file:line:col: message.\n"
         "  SIGHUP: reload FILE (as POST /reload on the admin listener does); an invalid config "
         "is\n"
         "  refused with its errors logged, and the running one stays.\n"
         "  SIGTERM or SIGINT: stop accepting, finish requests in flight, exit 0.\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  mosaic::support::limit_malloc_arenas();  // before any thread starts
  const mosaic::support::MemoryTrimmer trimmer(std::chrono::seconds(5));
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else if (arg == "--help" || arg == "-h") {
      return usage(std::cout, 0);
    } else {
      std::cerr << "mosaicd: unknown argument '" << arg << "'\n";
      return usage(std::cerr, 2);
    }
  }
  if (config_path.empty()) return usage(std::cerr, 2);

  // Signals are taken by sigwait below; every thread started from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  mosaic::config::Diagnostics diagnostics;
  auto engine = mosaic::runtime::Engine::create(config_path, diagnostics);
  if (!engine) {
    std::cerr << diagnostics.str() << "mosaicd: " << config_path << " is not valid; not starting\n";
    return 1;
  }
  try {
    engine->start();
  } catch (const std::exception& e) {
    const std::string what = e.what();
    // The admin listener names itself; anything else is the public one.
    if (what.rfind("cannot listen on admin.listen", 0) == 0) {
      std::cerr << "mosaicd: " << what << "\n";
    } else {
      std::cerr << "mosaicd: cannot listen on " << engine->generation()->config.server.listen.str()
                << ": " << what << "\n";
    }
    return 1;
  }
  const auto generation = engine->generation();
  const std::string host = generation->config.server.listen.host;
  mosaic::logging::ContextLogger log(&engine->log());
  const std::string admin_host = generation->config.admin.listen.host;
  log.info("mosaicd listening", {{"listen", host + ":" + std::to_string(engine->port())},
                                 {"admin", admin_host + ":" + std::to_string(engine->admin_port())},
                                 {"pipelines", generation->pipelines.size()},
                                 {"downstreams", generation->downstreams.size()}});

  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      engine->log().reopen();  // a file sink is reopened by path (logrotate moved it)
      log.info("SIGHUP received: reloading", {{"file", config_path}});
      engine->reload();  // logs the outcome (and every error of a refused config) itself
      continue;
    }
    log.info("draining", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    const bool clean = engine->drain();
    log.info(clean ? "drained; exiting" : "drain bound reached; exiting with requests cut off");
    engine->log().flush();
    return 0;
  }
}
