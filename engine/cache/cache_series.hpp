#pragma once
// The counters of one cached step, looked up once when its pipeline is compiled:
//   mosaic_cache_lookups_total{pipeline,step,result}   result: fresh | stale | miss | coalesced
//     (every run of a cached step is one of these: fresh and stale were served from the cache,
//     miss led a fetch, coalesced waited for another request's or instance's fetch; a waiter
//     whose leader's request was cancelled and that then fetched itself counts both)
//   mosaic_cache_refreshes_total{pipeline,step}        background refreshes started
//   mosaic_cache_fallbacks_total{pipeline,step}        fetch failed, an older cached value served
//   mosaic_cache_errors_total{pipeline,step}           the backend failed (or its breaker refused)
#include <string>

#include "metrics/registry.hpp"

namespace mosaic::cache {

struct StepCacheSeries {
  StepCacheSeries(const std::string& pipeline, const std::string& step,
                  metrics::Registry& registry = metrics::Registry::global());

  metrics::Counter* fresh;
  metrics::Counter* stale;
  metrics::Counter* miss;
  metrics::Counter* coalesced;
  metrics::Counter* refresh;
  metrics::Counter* fallback;
  metrics::Counter* error;
};

}  // namespace mosaic::cache
