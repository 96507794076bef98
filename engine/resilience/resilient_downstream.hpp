#pragma once
// Builds the resilience chain around a plugin's downstream, once, when a config generation is
// built. Outermost first:
//
//   breaker -> bulkhead -> retry -> hedge -> plugin
//
// - The breaker is outermost: an open breaker refuses before a call takes a bulkhead slot, and it
//   judges whole calls (a call a retry rescued is a success).
// - The bulkhead bounds calls, and a call holds its step thread through its retries, backoffs and
//   hedges, so that is what it counts: a hung downstream holds at most max_concurrent threads.
// - Retry inside the bulkhead: a retry does not queue again behind other calls.
// - Hedge innermost: each attempt of a retry may be hedged, within that attempt's time.
//
// The state (breaker, bulkhead, budgets) outlives a config reload when the downstream's plugin,
// config and resilience settings did not change, like the HTTP client's pool: a reload during an
// outage neither closes an open breaker nor opens a second set of bulkhead slots.
#include <memory>
#include <string>

#include "config/engine_config.hpp"
#include "mosaic/downstream.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::resilience {

// `owner` scopes the reuse of state (the engine's plugin services: one engine, one set of
// breakers); `logger` gets breaker state changes and must outlive the returned downstream.
std::shared_ptr<Downstream> make_resilient(std::shared_ptr<Downstream> plugin_downstream,
                                           const config::DownstreamConfig& config, Logger* logger,
                                           const void* owner);

}  // namespace mosaic::resilience
