#include "cache/cache_series.hpp"

namespace mosaic::cache {

namespace {

constexpr const char* kLookups = "mosaic_cache_lookups_total";
constexpr const char* kLookupsHelp =
    "Runs of a cached step by result: fresh, stale (served, refresh started), miss (fetched), "
    "coalesced (waited for "
    "another fetch).";

metrics::Counter& lookup(metrics::Registry& registry, const std::string& pipeline,
                         const std::string& step, const char* result) {
  return registry.counter(kLookups, kLookupsHelp,
                          {{"pipeline", pipeline}, {"step", step}, {"result", result}});
}

}  // namespace

StepCacheSeries::StepCacheSeries(const std::string& pipeline, const std::string& step,
                                 metrics::Registry& registry)
    : fresh(&lookup(registry, pipeline, step, "fresh")),
      stale(&lookup(registry, pipeline, step, "stale")),
      miss(&lookup(registry, pipeline, step, "miss")),
      coalesced(&lookup(registry, pipeline, step, "coalesced")),
      refresh(&registry.counter("mosaic_cache_refreshes_total",
                                "Background refreshes of a cached step started.",
                                {{"pipeline", pipeline}, {"step", step}})),
      fallback(&registry.counter(
          "mosaic_cache_fallbacks_total",
          "Fetches of a cached step that failed and were answered with an older cached value.",
          {{"pipeline", pipeline}, {"step", step}})),
      error(&registry.counter("mosaic_cache_errors_total",
                              "Cache backend failures seen by a cached step (it went on uncached).",
                              {{"pipeline", pipeline}, {"step", step}})) {}

}  // namespace mosaic::cache
