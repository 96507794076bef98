#pragma once
// The resilience series of one downstream, looked up once when its policy is built:
//   mosaic_bulkhead_in_flight{downstream}                 calls holding a bulkhead slot
//   mosaic_bulkhead_queued{downstream}                    calls waiting for one
//   mosaic_bulkhead_shed_total{downstream,cause}          refused: full (queue full) or
//   queue_timeout mosaic_breaker_state{downstream}                      0 closed, 1 half_open, 2
//   open mosaic_breaker_transitions_total{downstream,to}       to: open, half_open, closed
//   mosaic_breaker_rejected_total{downstream}             calls refused with circuit_open
//   mosaic_retries_total{downstream}                      retry attempts started
//   mosaic_retry_budget_exhausted_total{downstream}       retries not made: the budget was spent
//   mosaic_hedges_fired_total{downstream}                 second attempts started
//   mosaic_hedges_won_total{downstream}                   ...whose answer was the one used
//   mosaic_hedges_skipped_total{downstream,cause}         not started: budget or no_thread
#include <string>

#include "metrics/registry.hpp"

namespace mosaic::resilience {

struct ResilienceSeries {
  explicit ResilienceSeries(const std::string& downstream,
                            metrics::Registry& registry = metrics::Registry::global());

  metrics::Gauge& bulkhead_in_flight;
  metrics::Gauge& bulkhead_queued;
  metrics::Counter& shed_full;
  metrics::Counter& shed_queue_timeout;
  metrics::Gauge& breaker_state;
  metrics::Counter& to_open;
  metrics::Counter& to_half_open;
  metrics::Counter& to_closed;
  metrics::Counter& breaker_rejected;
  metrics::Counter& retries;
  metrics::Counter& retry_budget_exhausted;
  metrics::Counter& hedges_fired;
  metrics::Counter& hedges_won;
  metrics::Counter& hedges_skipped_budget;
  metrics::Counter& hedges_skipped_no_thread;
};

}  // namespace mosaic::resilience
