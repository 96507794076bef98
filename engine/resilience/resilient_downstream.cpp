#include "resilience/resilient_downstream.hpp"

#include <map>
#include <mutex>
#include <tuple>

#include "mosaic/json_text.hpp"
#include "resilience/bulkhead.hpp"
#include "resilience/circuit_breaker.hpp"
#include "resilience/hedge.hpp"
#include "resilience/retry.hpp"

namespace mosaic::resilience {

namespace {

// What one downstream's decorators share, across generations while its settings are unchanged.
struct State {
  std::shared_ptr<ResilienceSeries> series;
  std::shared_ptr<CircuitBreaker> breaker;
  std::shared_ptr<Bulkhead> bulkhead;
  std::shared_ptr<AttemptBudget> retry_budget;
  std::shared_ptr<AttemptBudget> hedge_budget;
};

std::shared_ptr<State> new_state(const config::DownstreamConfig& config, Logger* logger) {
  const config::ResilienceConfig& r = config.resilience;
  auto state = std::make_shared<State>();
  state->series = std::make_shared<ResilienceSeries>(config.name);
  if (r.breaker.enabled) {
    CircuitBreaker::Options o;
    o.failure_ratio = r.breaker.failure_ratio;
    o.min_calls = static_cast<std::size_t>(r.breaker.min_calls);
    o.window = r.breaker.window;
    o.open_for = r.breaker.open_for;
    o.half_open_calls = static_cast<std::size_t>(r.breaker.half_open_calls);
    state->breaker = std::make_shared<CircuitBreaker>(config.name, o, logger, state->series);
  } else {
    state->series->breaker_state.set(0);
  }
  if (r.bulkhead.enabled) {
    state->bulkhead = std::make_shared<Bulkhead>(
        Bulkhead::Options{static_cast<std::size_t>(r.bulkhead.max_concurrent),
                          static_cast<std::size_t>(r.bulkhead.max_queue), r.bulkhead.queue_timeout},
        state->series);
  }
  if (r.retry.attempts > 1) state->retry_budget = std::make_shared<AttemptBudget>(r.retry.budget);
  if (r.hedge.after) state->hedge_budget = std::make_shared<AttemptBudget>(r.hedge.budget);
  return state;
}

std::shared_ptr<State> shared_state(const config::DownstreamConfig& config, Logger* logger,
                                    const void* owner) {
  using Key = std::tuple<const void*, std::string, std::string>;
  static std::mutex mutex;
  static std::map<Key, std::weak_ptr<State>> states;
  Key key{owner, config.name,
          config.plugin + '\n' + to_json_text(config.config) + '\n' +
              config::resilience_key(config.resilience)};
  std::lock_guard lock(mutex);
  std::erase_if(states, [](const auto& entry) { return entry.second.expired(); });
  if (owner != nullptr) {
    if (auto found = states[key].lock()) return found;
  }
  auto state = new_state(config, logger);
  if (owner != nullptr) states[key] = state;
  return state;
}

}  // namespace

std::shared_ptr<Downstream> make_resilient(std::shared_ptr<Downstream> plugin_downstream,
                                           const config::DownstreamConfig& config, Logger* logger,
                                           const void* owner) {
  const config::ResilienceConfig& r = config.resilience;
  auto state = shared_state(config, logger, owner);
  std::shared_ptr<Downstream> chain = std::move(plugin_downstream);
  if (r.hedge.after) {
    chain = std::make_shared<HedgeDownstream>(std::move(chain), HedgePolicy{*r.hedge.after},
                                              state->hedge_budget, state->series);
  }
  if (r.retry.attempts > 1) {
    RetryPolicy policy{r.retry.attempts, r.retry.backoff, r.retry.max_backoff,
                       r.retry.attempt_timeout};
    chain = std::make_shared<RetryDownstream>(std::move(chain), policy, state->retry_budget,
                                              state->series);
  }
  if (state->bulkhead)
    chain = std::make_shared<BulkheadDownstream>(std::move(chain), state->bulkhead);
  if (state->breaker)
    chain = std::make_shared<BreakerDownstream>(std::move(chain), state->breaker, state->series);
  // The returned pointer also keeps `state` alive: the reuse across reloads holds it only weakly.
  struct Owner {
    std::shared_ptr<Downstream> chain;
    std::shared_ptr<State> state;
  };
  auto owned = std::make_shared<Owner>(Owner{std::move(chain), std::move(state)});
  Downstream* outermost = owned->chain.get();
  return std::shared_ptr<Downstream>(std::move(owned), outermost);
}

}  // namespace mosaic::resilience
