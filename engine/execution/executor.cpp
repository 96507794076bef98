#include "execution/executor.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <variant>

#include "delivery/result_store.hpp"
#include "downstream/checked_text_downstream.hpp"
#include "execution/cancel_source.hpp"
#include "execution/step_context.hpp"
#include "logging/context_logger.hpp"
#include "mosaic/json_text.hpp"
#include "response/json_size.hpp"
#include "template/value_template.hpp"

namespace mosaic::exec {

namespace {

using pipeline::CompiledPipeline;
using pipeline::CompiledStep;
using pipeline::StepClass;

struct StepState {
  bool ok = false;
  Json value;        // the result as a tree, unless held as `text`
  std::string text;  // the result as checked JSON text (a step with keep_as_text); else empty
  Failure failure;
  std::optional<std::int64_t> stale_age_ms;  // served from the cache past its ttl: _meta.stale
};

// Shared by the request thread and every worker running one of its steps; a worker that
// finishes after the response went out still writes into a live object.
struct Run {
  std::shared_ptr<const CompiledPipeline> pipeline;
  RequestInput input;
  Clock::time_point deadline;
  std::shared_ptr<CancelSource> cancel = std::make_shared<CancelSource>();
  logging::ContextLogger logger;
  offload::OffloadPool* offload = nullptr;
  cache::SwrCache* cache = nullptr;
  WorkerPool* background = nullptr;  // cache refreshes
  DeadlineTimer* timer = nullptr;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<StepState> steps;        // written once per step, under mutex
  std::vector<std::size_t> completed;  // steps finished since the scheduler last looked
};

bool is_interruption_kind(FailureKind kind) {
  return kind == FailureKind::kTimeout || kind == FailureKind::kCancelled ||
         kind == FailureKind::kUnavailable || kind == FailureKind::kConnectFailed ||
         kind == FailureKind::kError;
}

// `as_tree`: a result the plugin gave as JSON text is parsed here (on the offload pool when
// large), for a step whose result a template reads inside; otherwise text stays text.
CallResult call_step(const Run& run, std::size_t index, const Json& input,
                     Clock::time_point deadline, const std::shared_ptr<CancelSource>& parent,
                     DeadlineTimer& timer, bool as_tree = false) {
  const CompiledStep& step = run.pipeline->steps[index];
  StepContext context(run.input.request_id, deadline, parent, timer,
                      run.logger.for_step(step.name));
  context.set_offload(run.offload);
  if (!run.input.trace.trace_id.empty()) context.set_trace(&run.input.trace);
  const Clock::time_point started = Clock::now();
  CallResult result = [&]() -> CallResult {
    try {
      return step.downstream->downstream->call(input, context);
    } catch (const std::exception& e) {
      return Failure::Of(FailureKind::kError, std::string("plugin threw: ") + e.what());
    } catch (...) {
      return Failure::Of(FailureKind::kError, "plugin threw a non-standard exception");
    }
  }();
  // The context knows why an interrupted call stopped better than the plugin does.
  if (!result.ok() && context.cancelled() && is_interruption_kind(result.failure().kind)) {
    Failure why = context.interruption();
    why.detail = result.failure().detail;
    result = std::move(why);
  }
  if (as_tree && result.is_text()) result = downstream::parse_text(std::move(result), context);
  if (step.downstream->series) {
    step.downstream->series->record(result.ok() ? nullptr : &result.failure(),
                                    Clock::now() - started);
  }
  return result;
}

// A call that never reached its downstream (shed, bad input) still counts as an outcome.
void count_not_called(const CompiledStep& step, const Failure& failure) {
  if (step.downstream && step.downstream->series) step.downstream->series->record_outcome(&failure);
}

void complete(Run& run, std::size_t index, CallResult result,
              std::optional<std::int64_t> stale_age_ms = {}) {
  const CompiledStep& step = run.pipeline->steps[index];
  const bool critical_failed = !result.ok() && step.step_class == StepClass::kCritical;
  {
    std::lock_guard lock(run.mutex);
    StepState& state = run.steps[index];
    if (result.is_text()) {
      state.ok = true;
      state.text = std::move(result).take_text();
      state.stale_age_ms = stale_age_ms;
    } else if (result.ok()) {
      state.ok = true;
      state.value = std::move(result).value();
      state.stale_age_ms = stale_age_ms;
    } else {
      state.failure = std::move(result).take_failure();
    }
    run.completed.push_back(index);
  }
  // Queued before the siblings hear of it, so the scheduler sees this failure, not their
  // "cancelled", as the cause.
  if (critical_failed)
    run.cancel->cancel(CancelReason::kCancelled);  // stop them now, not when the scheduler wakes
  run.changed.notify_all();
}

// A cache key is text: a key template that is one ${...} of a non-string value uses its JSON.
std::string cache_key_text(const Json& rendered) {
  if (rendered.is_string()) return std::string(rendered.as_string());
  return to_json_text(rendered);
}

// How the cache starts a background refresh of step `index`: on the background pool, with a
// context of its own (no parent: the refresh outlives the request), `on_result` told of the call.
cache::SwrCache::Launch refresher(const std::shared_ptr<Run>& run, std::size_t index,
                                  const Json& input,
                                  std::function<void(const CallResult&)> on_result) {
  return [run, index, &input, on_result = std::move(on_result)](cache::SwrCache::Job job) {
    if (!run->background || !run->timer) return false;
    auto task = [run, index, input, job = std::move(job), on_result] {
      const Clock::time_point deadline = Clock::now() + run->pipeline->steps[index].timeout;
      std::optional<CallResult> made;
      job([&]() -> CallResult {
        made = call_step(*run, index, input, deadline, nullptr, *run->timer);
        return *made;
      });
      if (made && on_result) on_result(*made);
    };
    return run->background->try_submit(std::move(task));
  };
}

// Runs a foreground step: through the cache when it has `cache:`, else straight to its downstream.
// `looked`: what the request thread's cache lookup read, so that the cache is not read twice.
void run_step(const std::shared_ptr<Run>& run, std::size_t index, const Json& input,
              const std::string& key, Clock::time_point deadline,
              std::optional<cache::SwrCache::Read> looked = std::nullopt) {
  const CompiledStep& step = run->pipeline->steps[index];
  if (!step.cache || !run->cache) {
    complete(*run, index,
             call_step(*run, index, input, deadline, run->cancel, *run->timer, !step.keep_as_text));
    return;
  }
  // The context bounds waiting for another request's fetch; a miss fetches under its own.
  StepContext waiting(run->input.request_id, deadline, run->cancel, *run->timer,
                      run->logger.for_step(step.name));
  cache::CacheAnswer answer = run->cache->get(
      key, step.cache->policy, waiting,
      [&] { return call_step(*run, index, input, deadline, run->cancel, *run->timer); },
      refresher(run, index, input, {}), step.cache->series.get(), std::move(looked));
  // The cache holds text; a step whose result a template reads inside needs it as a tree.
  if (!step.keep_as_text) answer.result = downstream::parse_text(std::move(answer.result), waiting);
  complete(*run, index, std::move(answer.result), answer.stale_age_ms);
}

json::object failure_fields(const std::string& step, const Failure& failure) {
  json::object fields{{"step", step}, {"reason", failure.reason()}};
  if (!failure.detail.empty()) fields["detail"] = failure.detail;
  return fields;
}

class Scheduler {
 public:
  Scheduler(const Executor::Options& options, std::shared_ptr<Run> run)
      : options_(options), run_(std::move(run)), pipeline_(*run_->pipeline) {
    const std::size_t n = pipeline_.steps.size();
    deps_left_.resize(n);
    finished_.assign(n, false);
    for (std::size_t i = 0; i < n; ++i) deps_left_[i] = pipeline_.steps[i].deps.size();
    foreground_left_ = pipeline_.foreground_count;
  }

  ExecutionResult run() {
    // However the request ends, no further background step of it will start.
    struct Seal {
      Scheduler& s;
      ~Seal() {
        if (s.recording()) s.options_.results->seal(s.run_->input.request_id);
      }
    } seal{*this};
    ScheduledDeadline request_deadline(*options_.timer,
                                       options_.timer->schedule(run_->deadline, [c = run_->cancel] {
                                         c->cancel(CancelReason::kDeadline);
                                       }));
    std::vector<std::size_t> ready;
    if (!pipeline_.stages.empty()) ready = pipeline_.stages.front();
    while (true) {
      launch(ready);
      ready.clear();
      if (foreground_left_ == 0) return shape();
      std::vector<std::size_t> done;
      {
        std::unique_lock lock(run_->mutex);
        const bool any = run_->changed.wait_until(lock, run_->deadline + options_.grace,
                                                  [this] { return !run_->completed.empty(); });
        if (!any) {
          lock.unlock();
          return give_up();
        }
        done.swap(run_->completed);
      }
      for (std::size_t index : done) {
        if (auto error = settle(index, ready)) return std::move(*error);
      }
    }
  }

 private:
  // Background results are kept for delivery, except under an id the client chose (unless the
  // config allows it): nobody may read another's results by guessing a simple id.
  bool recording() const {
    return options_.results && (!run_->input.client_supplied_id || options_.client_ids);
  }

  // Starts every ready step. Steps with `cache:` come last: one whose value the cache holds is
  // answered here, while the others' calls run, with no hand-off to another thread. The last
  // foreground step runs here too, when nothing else is in flight or when its downstream stops at
  // its deadline whatever happens (then it cannot hold the response past the request's).
  void launch(const std::vector<std::size_t>& ready) {
    std::vector<std::size_t> foreground;
    for (std::size_t index : ready) {
      if (pipeline_.steps[index].step_class == StepClass::kBackground) {
        launch_background(index);
      } else {
        foreground.push_back(index);
      }
    }
    const auto first_cached = std::stable_partition(
        foreground.begin(), foreground.end(),
        [this](std::size_t index) { return !pipeline_.steps[index].cache || !run_->cache; });
    // The steps to start, in order; a cached step joins only when the cache cannot answer it.
    std::vector<Ready> to_start;
    for (auto it = foreground.begin(); it != first_cached; ++it) {
      ++in_flight_;
      std::optional<Json> input = render_input(*it);
      if (!input) continue;  // completed with bad_input
      to_start.push_back({*it, std::move(*input), std::string(), std::nullopt});
    }
    // Started before the cached steps are looked up: their calls run meanwhile.
    std::size_t answered_here = 0;  // completed in this call, so not in flight elsewhere
    start(to_start, 0, first_cached == foreground.end(), answered_here);
    const std::size_t started = to_start.size();
    std::vector<Ready> cached;
    for (auto it = first_cached; it != foreground.end(); ++it) {
      ++in_flight_;
      std::optional<Json> input = render_input(*it);
      if (!input) continue;  // completed with bad_input
      std::optional<std::string> key = render_key(*it);
      if (!key) continue;  // completed with bad_input
      cached.push_back({*it, std::move(*input), std::move(*key), std::nullopt});
    }
    if (cached.empty()) return;
    // One read of the backend for every cached step of the stage.
    std::vector<cache::SwrCache::Lookup> lookups;
    lookups.reserve(cached.size());
    for (const Ready& step : cached) {
      const CompiledStep& compiled = pipeline_.steps[step.index];
      lookups.push_back({step.key, compiled.cache->policy,
                         refresher(run_, step.index, step.input, {}),
                         compiled.cache->series.get()});
    }
    auto outcomes = run_->cache->lookup_many(lookups);
    for (std::size_t i = 0; i < cached.size(); ++i) {
      if (auto* read = std::get_if<cache::SwrCache::Read>(&outcomes[i])) {
        // The step's get() takes what was read instead of reading the backend again.
        cached[i].looked = std::move(*read);
        to_start.push_back(std::move(cached[i]));
      } else {
        complete_from_cache(cached[i].index, std::move(std::get<cache::CacheAnswer>(outcomes[i])));
        ++answered_here;
      }
    }
    start(to_start, started, true, answered_here);
  }

  // A foreground step ready to start: its input and cache key rendered ("" without `cache:`), and
  // what the cache read for it when it has `cache:` and the cache could not answer.
  struct Ready {
    std::size_t index;
    Json input;
    std::string key;
    std::optional<cache::SwrCache::Read> looked;
  };

  // Starts steps[from..] on the step pool. With `last_batch`, the last of them runs here instead,
  // when nothing else is in flight or when its downstream stops at its deadline whatever happens.
  void start(std::vector<Ready>& steps, std::size_t from, bool last_batch,
             std::size_t answered_here) {
    for (std::size_t k = from; k < steps.size(); ++k) {
      Ready& step = steps[k];
      const std::size_t index = step.index;
      const bool inline_call = last_batch && k + 1 == steps.size() &&
                               (in_flight_ - answered_here == 1 ||
                                pipeline_.steps[index].downstream->downstream->stops_at_deadline());
      const Clock::time_point deadline =
          std::min(Clock::now() + pipeline_.steps[index].timeout, run_->deadline);
      if (inline_call) {
        run_step(run_, index, step.input, step.key, deadline, std::move(step.looked));
        continue;
      }
      auto task = [run = run_, index, input = std::move(step.input), key = std::move(step.key),
                   deadline, looked = std::move(step.looked)]() mutable {
        run_step(run, index, input, key, deadline, std::move(looked));
      };
      if (!options_.step_pool->try_submit(std::move(task))) {
        Failure shed = Failure::Of(FailureKind::kShed, "step pool full");
        count_not_called(pipeline_.steps[index], shed);
        complete(*run_, index, std::move(shed));
      }
    }
  }

  // Completes a step with `cache:` from a fresh or stale cached value, on this thread (parsed
  // when a template reads inside it: at once when small, else on the offload pool under a context
  // of the step's deadline).
  void complete_from_cache(std::size_t index, cache::CacheAnswer answer) {
    const CompiledStep& step = pipeline_.steps[index];
    const bool parse = !step.keep_as_text && answer.result.is_text();
    const bool large =
        parse && run_->offload && run_->offload->should_offload(answer.result.text().size());
    if (parse && !large) {
      answer.result = downstream::parse_text(std::move(answer.result));
    } else if (parse) {
      const Clock::time_point deadline = std::min(Clock::now() + step.timeout, run_->deadline);
      StepContext context(run_->input.request_id, deadline, run_->cancel, *run_->timer,
                          run_->logger.for_step(step.name));
      context.set_offload(run_->offload);
      answer.result = downstream::parse_text(std::move(answer.result), context);
    }
    complete(*run_, index, std::move(answer.result), answer.stale_age_ms);
  }

  std::optional<Json> render_input(std::size_t index) {
    try {
      return pipeline_.steps[index].input.render(scope_for(pipeline_.steps[index].deps));
    } catch (const tmpl::RenderError& e) {
      Failure bad = Failure::Of(FailureKind::kBadInput, e.what());
      count_not_called(pipeline_.steps[index], bad);
      complete(*run_, index, std::move(bad));
      return std::nullopt;
    }
  }

  // The cache key of a step with `cache:` ("" for others). nullopt: it completed with bad_input.
  std::optional<std::string> render_key(std::size_t index) {
    const CompiledStep& step = pipeline_.steps[index];
    if (!step.cache || !run_->cache) return std::string();
    try {
      return cache_key_text(step.cache->key.render(scope_for(step.deps)));
    } catch (const tmpl::RenderError& e) {
      Failure bad = Failure::Of(FailureKind::kBadInput, e.what());
      count_not_called(step, bad);
      complete(*run_, index, std::move(bad));
      return std::nullopt;
    }
  }

  // A background step with `cache:` answers from the cache (fresh or stale: its value goes in this
  // response) and refreshes it in the background unless fresh, so the next request gets the
  // result of this one's refresh. It stays in _meta.pending while a refresh this request started
  // runs, and that refresh's result is what is delivered (sink, results store); otherwise the
  // cached value is delivered at once, or, with none (another request's refresh of the key is
  // running), the step is shed for this request.
  template <typename Finish>
  void background_from_cache(std::size_t index, const Json& input, const std::string& key,
                             Finish finish) {
    const CompiledStep& step = pipeline_.steps[index];
    auto run = run_;
    cache::CachePeek peek = run_->cache->peek(
        key, step.cache->policy,
        refresher(run_, index, input,
                  [run, index, finish](const CallResult& result) { finish(*run, index, result); }),
        step.cache->series.get());
    if (peek.stale_age_ms) stale_[step.name] = *peek.stale_age_ms;
    if (peek.launched) {
      if (peek.value) background_values_.emplace_back(index, std::move(*peek.value));
      return;
    }
    if (peek.value) {
      pending_.pop_back();  // nothing more will arrive for this request
      finish(*run_, index, CallResult(JsonText{*peek.value}));
      background_values_.emplace_back(index, std::move(*peek.value));
      return;
    }
    pending_.back().second = "shed";
    finish(*run_, index,
           CallResult(
               Failure::Of(FailureKind::kShed, "another request is refreshing this cache key")));
  }

  void launch_background(std::size_t index) {
    const CompiledStep& step = pipeline_.steps[index];
    pending_.emplace_back(step.name, "running");
    const bool record = recording();
    if (record) options_.results->expect(run_->input.request_id, step.name);
    std::optional<Json> input;
    CallResult early = Failure::Of(FailureKind::kError);
    try {
      input = step.input.render(scope_for(step.deps));
    } catch (const tmpl::RenderError& e) {
      early = Failure::Of(FailureKind::kBadInput, e.what());
    }
    auto finish = [sink = options_.background_sink, results = record ? options_.results : nullptr](
                      Run& run, std::size_t i, const CallResult& result) {
      const CompiledStep& s = run.pipeline->steps[i];
      if (!result.ok()) {
        run.logger.warn("background step failed", failure_fields(s.name, result.failure()));
      }
      if (results) results->finish(run.input.request_id, s.name, result);
      if (sink) sink(run.input.request_id, *run.pipeline, i, result);
    };
    if (!input) {
      count_not_called(step, early.failure());
      finish(*run_, index, early);
      return;
    }
    if (step.cache && run_->cache) {
      std::optional<std::string> key;
      try {
        key = cache_key_text(step.cache->key.render(scope_for(step.deps)));
      } catch (const tmpl::RenderError& e) {
        const CallResult bad = Failure::Of(FailureKind::kBadInput, e.what());
        count_not_called(step, bad.failure());
        finish(*run_, index, bad);
        return;
      }
      background_from_cache(index, *input, *key, finish);
      return;
    }
    const Clock::time_point deadline = Clock::now() + step.timeout;
    auto task = [run = run_, index, input = std::move(*input), deadline, timer = options_.timer,
                 finish]() {
      finish(*run, index, call_step(*run, index, input, deadline, nullptr, *timer));
    };
    if (!options_.background_pool->try_submit(std::move(task))) {
      pending_.back().second = "shed";
      const CallResult shed = Failure::Of(FailureKind::kShed, "background pool full");
      count_not_called(step, shed.failure());
      finish(*run_, index, shed);
    }
  }

  // Values of the given finished steps (failed ones are null) for rendering.
  tmpl::RenderScope scope_for(const std::vector<std::size_t>& visible) {
    step_values_.assign(pipeline_.steps.size(), nullptr);
    step_texts_.assign(pipeline_.steps.size(), {});
    for (std::size_t d : visible) {
      const StepState& state = run_->steps[d];
      if (!finished_[d] || !state.ok) continue;
      if (state.text.empty()) {
        step_values_[d] = &state.value;
      } else {
        step_texts_[d] = state.text;
      }
    }
    tmpl::RenderScope scope;
    scope.params = run_->input.params;
    scope.query = &run_->input.query;
    scope.headers = &run_->input.headers;
    scope.body = run_->input.body ? &*run_->input.body : nullptr;
    scope.steps = step_values_;
    scope.step_texts = step_texts_;
    return scope;
  }

  // Takes in one finished foreground step. Returns the request's error if it ends the request.
  std::optional<ExecutionResult> settle(std::size_t index, std::vector<std::size_t>& ready) {
    --in_flight_;
    finished_[index] = true;
    const CompiledStep& step = pipeline_.steps[index];
    const StepState& state = run_->steps[index];
    if (!state.ok) {
      if (step.step_class == StepClass::kCritical) return critical_failure(step, state.failure);
      run_->logger.warn("degradable step failed", failure_fields(step.name, state.failure));
      degraded_[step.name] = state.failure.reason();
    }
    --foreground_left_;
    for (std::size_t d : step.dependents) {
      if (--deps_left_[d] == 0) ready.push_back(d);
    }
    return std::nullopt;
  }

  ExecutionResult critical_failure(const CompiledStep& step, const Failure& failure) {
    run_->cancel->cancel(CancelReason::kCancelled);
    ExecutionResult out;
    out.failed_step = step.name;
    out.reason = failure.reason();
    const bool request_ran_out =
        failure.kind == FailureKind::kTimeout &&
        (run_->cancel->reason() == CancelReason::kDeadline || Clock::now() >= run_->deadline);
    out.status = request_ran_out ? ExecutionResult::Status::kDeadlineExceeded
                                 : ExecutionResult::Status::kDependencyFailed;
    if (request_ran_out) out.reason = "timeout";
    // A pool that refused the work (shed) is local overload, not a failing dependency.
    if (failure.kind == FailureKind::kShed) out.status = ExecutionResult::Status::kOverloaded;
    run_->logger.error(request_ran_out ? "request deadline exceeded" : "critical step failed",
                       failure_fields(step.name, failure));
    return out;
  }

  // The deadline passed and some steps did not report back even after being told to stop.
  ExecutionResult give_up() {
    run_->cancel->cancel(CancelReason::kDeadline);
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      const CompiledStep& step = pipeline_.steps[i];
      if (finished_[i] || step.step_class != StepClass::kCritical) continue;
      return critical_failure(step, Failure::Timeout("did not stop by the request deadline"));
    }
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      const CompiledStep& step = pipeline_.steps[i];
      if (finished_[i] || step.step_class != StepClass::kDegradable) continue;
      run_->logger.warn("degradable step failed",
                        failure_fields(step.name, Failure::Timeout("request deadline")));
      degraded_[step.name] = "timeout";
    }
    return shape();
  }

  // A large answer is shaped and serialized on the offload pool, off this request thread. It
  // waits there no longer than the request deadline (or the grace, once that has passed).
  ExecutionResult shape() {
    offload::OffloadPool* pool = options_.offload;
    if (pool == nullptr || !large_answer(pool->options().threshold)) return shape_here();
    ExecutionResult out;
    const auto wait_until =
        pool->queue_deadline(std::max(run_->deadline, Clock::now() + options_.grace));
    const auto outcome = pool->run([&] { out = shape_here(); }, wait_until);
    if (outcome == offload::OffloadPool::Outcome::kDone) return out;
    ExecutionResult overloaded;
    overloaded.status = ExecutionResult::Status::kOverloaded;
    overloaded.reason = outcome == offload::OffloadPool::Outcome::kRefused
                            ? "offload queue full"
                            : "offload queue wait reached the deadline";
    run_->logger.warn("response not shaped: the offload pool did not take it",
                      {{"reason", overloaded.reason}});
    return overloaded;
  }

  // The foreground results together are at least `threshold` bytes as JSON (counting stops there).
  bool large_answer(std::size_t threshold) const {
    std::size_t total = 0;
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      if (!finished_[i] || !run_->steps[i].ok ||
          pipeline_.steps[i].step_class == StepClass::kBackground)
        continue;
      const StepState& state = run_->steps[i];
      total += state.text.empty() ? response::json_size(state.value, threshold - total)
                                  : state.text.size();
      if (total >= threshold) return true;
    }
    return false;
  }

  ExecutionResult shape_here() {
    ExecutionResult out;
    std::vector<std::size_t> foreground;
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      if (pipeline_.steps[i].step_class != StepClass::kBackground) foreground.push_back(i);
    }
    tmpl::RenderScope scope = scope_for(foreground);
    for (const auto& [i, value] : background_values_)
      step_texts_[i] = value;  // cached background steps
    std::string& text = out.answer.own();
    if (!pipeline_.response) {
      // Every result held as text goes in whole. The large ones are spliced (held by the run,
      // which the answer keeps alive); room for the others up front, so that the answer is not
      // copied again each time the string outgrows its buffer.
      std::size_t copied = 0;
      for (std::string_view t : step_texts_)
        if (t.size() < response::AnswerText::kSpliceFrom) copied += t.size();
      text.reserve(copied + 512);
    }
    text.push_back('{');
    std::size_t members = 0;
    if (pipeline_.response) {
      try {
        members = pipeline_.response->write_members(scope, text, "_meta").value_or(0);
      } catch (const tmpl::RenderError&) {
        // Response templates have no header encoding, so this cannot happen; keep the page anyway.
        text.resize(1);
        members = 0;
      }
    } else {
      // `owner`: what holds the step's text (the run for a step's result; none for a cached
      // background value, which this scheduler holds: copied).
      auto member = [&](std::size_t i, const std::shared_ptr<const void>& owner) {
        if (pipeline_.steps[i].name == "_meta") return;
        if (members++ > 0) text.push_back(',');
        append_json_string(text, pipeline_.steps[i].name);
        text.push_back(':');
        if (step_values_[i]) {
          append_json(text, *step_values_[i]);
        } else if (!step_texts_[i].empty()) {
          out.answer.append_result(step_texts_[i], owner);
        } else {
          text.append("null");
        }
      };
      const std::shared_ptr<const void> run = run_;
      for (std::size_t i : foreground) member(i, run);
      for (const auto& entry : background_values_) member(entry.first, nullptr);
    }
    json::object pending;
    for (auto& [name, status] : pending_) pending[name] = status;
    for (std::size_t i : foreground) {
      const StepState& state = run_->steps[i];
      if (finished_[i] && state.ok && state.stale_age_ms)
        stale_[pipeline_.steps[i].name] = *state.stale_age_ms;
    }
    out.degraded_steps = degraded_.size();
    out.partial = out.degraded_steps > 0;
    if (members > 0) text.push_back(',');
    // Written member by member: building an object of the four only to write it out cost more
    // than the rest of a small page's shaping.
    text.append("\"_meta\":{\"request_id\":");
    append_json_string(text, run_->input.request_id);
    text.append(",\"degraded\":");
    append_json(text, degraded_);
    text.append(",\"pending\":");
    append_json(text, pending);
    text.append(",\"stale\":");
    append_json(text, stale_);
    text.append("}}");
    return out;
  }

  const Executor::Options& options_;
  std::shared_ptr<Run> run_;
  const CompiledPipeline& pipeline_;
  std::vector<std::size_t> deps_left_;
  std::vector<bool> finished_;  // settled by this scheduler (safe to read the step's state)
  std::size_t foreground_left_ = 0;
  std::size_t in_flight_ = 0;
  std::vector<const Json*> step_values_;
  std::vector<std::string_view> step_texts_;  // steps held as text (step_values_ null for them)
  json::object degraded_;
  std::vector<std::pair<std::string, std::string>> pending_;  // background step -> running | shed
  std::vector<std::pair<std::size_t, std::string>>
      background_values_;  // cached background steps that had a value, as JSON text
  json::object stale_;     // step -> age in ms of a cached value served past its ttl
};

}  // namespace

ExecutionResult Executor::run(std::shared_ptr<const CompiledPipeline> pipeline,
                              RequestInput input) const {
  auto run = std::make_shared<Run>();
  run->deadline = input.deadline_from.value_or(Clock::now()) + pipeline->deadline;
  run->logger = input.log_scope
                    ? logging::ContextLogger(options_.log, input.log_scope)
                    : logging::ContextLogger(options_.log, input.request_id, pipeline->endpoint());
  run->offload = options_.offload;
  run->cache = options_.cache;
  run->background = options_.background_pool;
  run->timer = options_.timer;
  run->steps.resize(pipeline->steps.size());
  run->pipeline = std::move(pipeline);
  run->input = std::move(input);
  Scheduler scheduler(options_, run);
  return scheduler.run();
}

}  // namespace mosaic::exec
