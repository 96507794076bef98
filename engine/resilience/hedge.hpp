#pragma once
// Hedging per downstream (`hedge: {after: 50ms}`), for idempotent calls only: when the first
// attempt has not answered after `after`, a second one starts on the hedge pool. The first
// successful answer wins and the other attempt is cancelled through its own cancel scope
// (AttemptContext): its socket is shut down, so the downstream sees it go. When one attempt fails
// the other is still waited for; when both fail, the first attempt's failure is the call's.
//
// The calling thread runs the first attempt itself, so a hedge costs one pool thread and only
// for calls slower than `after`. Hedges are limited by a budget (hedges / calls over the last
// 10 s, hedge.budget, default 0.1) and by the pool: no free thread, no hedge.
#include <chrono>
#include <memory>

#include "execution/deadline_timer.hpp"
#include "execution/worker_pool.hpp"
#include "resilience/forwarding_downstream.hpp"
#include "resilience/resilience_series.hpp"
#include "resilience/retry.hpp"

namespace mosaic::resilience {

// The process-wide pool second attempts run on: up to 64 threads, no queue.
exec::WorkerPool& hedge_pool();

struct HedgePolicy {
  std::chrono::milliseconds after{50};
};

class HedgeDownstream final : public ForwardingDownstream {
 public:
  HedgeDownstream(std::shared_ptr<Downstream> inner, HedgePolicy policy,
                  std::shared_ptr<AttemptBudget> budget,
                  std::shared_ptr<ResilienceSeries> series = nullptr,
                  exec::WorkerPool* pool = &hedge_pool(),
                  exec::DeadlineTimer* timer = &exec::DeadlineTimer::shared())
      : ForwardingDownstream(std::move(inner)),
        policy_(policy),
        budget_(std::move(budget)),
        series_(std::move(series)),
        pool_(pool),
        timer_(timer) {}
  CallResult call(const Json& input, CallContext& context) override;

 private:
  const HedgePolicy policy_;
  const std::shared_ptr<AttemptBudget> budget_;
  const std::shared_ptr<ResilienceSeries> series_;
  exec::WorkerPool* const pool_;
  exec::DeadlineTimer* const timer_;
};

}  // namespace mosaic::resilience
