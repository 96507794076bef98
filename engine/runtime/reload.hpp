#pragma once
// What a config reload may change, and what it answered. The listeners are bound once, so the
// settings that shape them (server.listen, threads, queue, header_timeout, keep_alive_timeout,
// send_timeout, max_active, admission_wait, the server.tls paths and admin.listen), the whole
// `cache:` section (one cache per process) and the `logging:`, `offload:` and `monitor:` sections
// (set up once at start) need a restart: a reload that changes one is refused with an error
// naming it, and the running config stays.
// Everything else (downstreams, pipelines, plugin paths, server.max_body, server.drain_timeout,
// admin.token_file, and certificate files renewed in place, the listener's included) takes effect
// on reload.
#include <cstdint>
#include <vector>

#include "config/engine_config.hpp"

namespace mosaic::runtime {

struct ReloadResult {
  bool ok = false;
  std::uint64_t generation = 0;            // the generation now serving (the old one when refused)
  std::vector<config::Diagnostic> errors;  // why it was refused, file:line:col each
};

// Adds an error to `diagnostics` for each restart-only setting that differs.
void check_restart_only_settings(const config::EngineConfig& running,
                                 const config::EngineConfig& next,
                                 config::Diagnostics& diagnostics);

}  // namespace mosaic::runtime
