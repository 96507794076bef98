#include "resilience/resilience_series.hpp"

namespace mosaic::resilience {

namespace {

constexpr const char* kShed = "mosaic_bulkhead_shed_total";
constexpr const char* kShedHelp =
    "Calls a downstream's bulkhead refused (reason shed): cause full or queue_timeout.";
constexpr const char* kTransitions = "mosaic_breaker_transitions_total";
constexpr const char* kTransitionsHelp =
    "State changes of a downstream's circuit breaker, by the state entered.";
constexpr const char* kSkipped = "mosaic_hedges_skipped_total";
constexpr const char* kSkippedHelp =
    "Hedges not started: cause budget (hedge budget spent) or no_thread.";

}  // namespace

ResilienceSeries::ResilienceSeries(const std::string& d, metrics::Registry& r)
    : bulkhead_in_flight(r.gauge("mosaic_bulkhead_in_flight",
                                 "Calls holding a slot of a downstream's bulkhead.",
                                 {{"downstream", d}})),
      bulkhead_queued(r.gauge("mosaic_bulkhead_queued",
                              "Calls waiting for a slot of a downstream's bulkhead.",
                              {{"downstream", d}})),
      shed_full(r.counter(kShed, kShedHelp, {{"downstream", d}, {"cause", "full"}})),
      shed_queue_timeout(
          r.counter(kShed, kShedHelp, {{"downstream", d}, {"cause", "queue_timeout"}})),
      breaker_state(r.gauge("mosaic_breaker_state",
                            "A downstream's circuit breaker: 0 closed, 1 half_open, 2 open.",
                            {{"downstream", d}})),
      to_open(r.counter(kTransitions, kTransitionsHelp, {{"downstream", d}, {"to", "open"}})),
      to_half_open(
          r.counter(kTransitions, kTransitionsHelp, {{"downstream", d}, {"to", "half_open"}})),
      to_closed(r.counter(kTransitions, kTransitionsHelp, {{"downstream", d}, {"to", "closed"}})),
      breaker_rejected(
          r.counter("mosaic_breaker_rejected_total",
                    "Calls a downstream's open circuit breaker refused (reason circuit_open).",
                    {{"downstream", d}})),
      retries(r.counter("mosaic_retries_total", "Retry attempts started, by downstream.",
                        {{"downstream", d}})),
      retry_budget_exhausted(
          r.counter("mosaic_retry_budget_exhausted_total",
                    "Retries not made because the downstream's retry budget was spent.",
                    {{"downstream", d}})),
      hedges_fired(r.counter("mosaic_hedges_fired_total",
                             "Hedged second attempts started, by downstream.",
                             {{"downstream", d}})),
      hedges_won(r.counter("mosaic_hedges_won_total",
                           "Hedged attempts whose answer was used, by downstream.",
                           {{"downstream", d}})),
      hedges_skipped_budget(
          r.counter(kSkipped, kSkippedHelp, {{"downstream", d}, {"cause", "budget"}})),
      hedges_skipped_no_thread(
          r.counter(kSkipped, kSkippedHelp, {{"downstream", d}, {"cause", "no_thread"}})) {}

}  // namespace mosaic::resilience
