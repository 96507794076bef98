#include "resilience/hedge.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>

#include "resilience/attempt_context.hpp"

namespace mosaic::resilience {

exec::WorkerPool& hedge_pool() {
  static exec::WorkerPool pool(
      exec::WorkerPool::Options{"hedges", 64, 0, std::chrono::seconds(30)});
  return pool;
}

namespace {

// What the calling thread and the hedge's thread share. The caller never returns while the hedge
// runs (it waits for kDone), so while running the hedge may use the caller's input, context and
// first attempt; a hedge that has not started by the time the caller is done finds `closed` and
// touches nothing of the caller's.
struct Race {
  enum class Hedge { kNotStarted, kQueued, kRunning, kDone, kSkipped };
  std::mutex mutex;
  std::condition_variable changed;
  Hedge hedge = Hedge::kNotStarted;
  bool primary_done = false;
  bool closed = false;
  bool abandon_hedge = false;
  bool hedge_won = false;  // the hedge answered successfully while the first attempt still ran
  AttemptContext* primary = nullptr;
  AttemptContext* hedge_context = nullptr;
  std::optional<CallResult> hedge_result;
};

void run_hedge(const std::shared_ptr<Race>& race, Downstream& inner, const Json& input,
               CallContext& context, exec::DeadlineTimer& timer, ResilienceSeries* series) {
  {
    std::lock_guard lock(race->mutex);
    if (race->closed) {
      race->hedge = Race::Hedge::kDone;
      race->changed.notify_all();
      return;
    }
    race->hedge = Race::Hedge::kRunning;
  }
  if (series) series->hedges_fired.inc();
  std::optional<CallResult> result;
  {
    AttemptContext attempt(context, context.deadline(), timer);
    {
      std::lock_guard lock(race->mutex);
      race->hedge_context = &attempt;
      if (race->abandon_hedge) attempt.abandon();
    }
    try {
      result.emplace(inner.call(input, attempt));
    } catch (const std::exception& e) {
      result.emplace(Failure::Of(FailureKind::kError, std::string("plugin threw: ") + e.what()));
    } catch (...) {
      result.emplace(Failure::Of(FailureKind::kError, "plugin threw a non-standard exception"));
    }
    std::lock_guard lock(race->mutex);
    race->hedge_context = nullptr;
    if (result->ok() && !race->primary_done) {
      race->hedge_won = true;
      race->primary->abandon();  // its socket is shut down; the caller's thread returns at once
    }
  }  // the attempt (and its link to the caller's context) is gone before the caller may return
  std::lock_guard lock(race->mutex);
  race->hedge_result = std::move(result);
  race->hedge = Race::Hedge::kDone;
  race->changed.notify_all();
}

}  // namespace

CallResult HedgeDownstream::call(const Json& input, CallContext& context) {
  const Clock::time_point fire_at = Clock::now() + policy_.after;
  if (!inner_->idempotent(input) || context.cancelled() || fire_at >= context.deadline()) {
    return inner_->call(input, context);
  }
  budget_->record_call();
  auto race = std::make_shared<Race>();
  AttemptContext primary(context, context.deadline(), *timer_);
  race->primary = &primary;

  // The timer thread only decides and hands the hedge to the pool: it must stay quick.
  const Json* input_ptr = &input;
  CallContext* context_ptr = &context;
  const std::uint64_t timer_id =
      timer_->schedule(fire_at, [race, inner = inner_, input_ptr, context_ptr, budget = budget_,
                                 series = series_, pool = pool_, timer = timer_] {
        {
          std::lock_guard lock(race->mutex);
          if (race->primary_done) {
            race->hedge = Race::Hedge::kSkipped;
            return;
          }
          if (!budget->try_spend()) {
            race->hedge = Race::Hedge::kSkipped;
            if (series) series->hedges_skipped_budget.inc();
            return;
          }
          race->hedge = Race::Hedge::kQueued;
        }
        const bool submitted =
            pool->try_submit([race, inner, input_ptr, context_ptr, timer, series] {
              run_hedge(race, *inner, *input_ptr, *context_ptr, *timer, series.get());
            });
        if (!submitted) {
          std::lock_guard lock(race->mutex);
          if (race->hedge == Race::Hedge::kQueued) race->hedge = Race::Hedge::kSkipped;
          if (series) series->hedges_skipped_no_thread.inc();
          race->changed.notify_all();
        }
      });

  CallResult first = [&]() -> CallResult {
    try {
      return inner_->call(input, primary);
    } catch (...) {
      // Never leave with a hedge still using this frame.
      timer_->cancel(timer_id);
      std::unique_lock lock(race->mutex);
      race->primary_done = true;
      race->closed = true;
      race->abandon_hedge = true;
      if (race->hedge_context) race->hedge_context->abandon();
      race->changed.wait(lock, [&] { return race->hedge != Race::Hedge::kRunning; });
      throw;
    }
  }();
  timer_->cancel(timer_id);
  std::unique_lock lock(race->mutex);
  race->primary_done = true;
  switch (race->hedge) {
    case Race::Hedge::kNotStarted:
    case Race::Hedge::kSkipped:
      return first;
    case Race::Hedge::kQueued:
      race->closed = true;  // it will find this and not start
      return first;
    case Race::Hedge::kRunning:
      if (first.ok()) {
        race->abandon_hedge = true;
        if (race->hedge_context) race->hedge_context->abandon();
      }
      race->changed.wait(lock, [&] { return race->hedge == Race::Hedge::kDone; });
      break;
    case Race::Hedge::kDone:
      break;
  }
  if (race->hedge_result && race->hedge_result->ok() && (race->hedge_won || !first.ok())) {
    if (series_) series_->hedges_won.inc();
    return std::move(*race->hedge_result);
  }
  return first;
}

}  // namespace mosaic::resilience
